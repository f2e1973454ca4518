"""The AI's quality in `make bench`, on the real stack's database (everything rolled back):

- decisions: AI vs human on the labelled messages the product never learnt from, by language,
  reason and channel, and the decision's time (no model call);
- kb: top-1 / top-3 per language on the demo articles;
- answers: the AI agent's replies with the real local model (the fact and the link), the first
  token of a short grounded prompt, and the whole reply's latency.
"""

import functools
import tempfile
import time
from pathlib import Path

from django.db import transaction

from agents import localmodel
from agents.llm import LLMError, StreamResult, chat_stream
from agents.models import Article
from tests.agents.kb import OTHER_BUSINESSES, demo_kb_load, labelled_kb_load
from tests.bench import decisions
from tests.bench.answers import bench_answers
from tests.bench.kb import SETS, bench_kb
from tests.localmodel_process import supervisor_running

DEV = decisions.EVAL.with_name("routing_dev.jsonl")


class _Rollback(Exception):
    pass


def decisions_section() -> dict:
    results = {}
    # (set, its knowledge base): eval and dev ask the demo shop; the others, written by someone who saw
    # neither the examples nor the method, ask other businesses with their own eight articles.
    others = [(name, decisions.EVAL.with_name(f"routing_{name}.jsonl"), functools.partial(labelled_kb_load, name))
              for name in OTHER_BUSINESSES]  # fmt: skip
    for name, path, load in [("eval", decisions.EVAL, demo_kb_load), ("dev", DEV, demo_kb_load), *others]:
        try:
            with transaction.atomic():
                Article.objects.update(published=False)  # only the set's articles answer (rolled back)
                load()
                results[name] = decisions.run(path)
                raise _Rollback
        except _Rollback:
            pass
    rows = [{"set": name, **row} for name, result in results.items() for row in result["rows"]]
    mistakes = {name: results[name]["mistakes"] for name in results if name != "dev"}
    return {"title": "Decisions: AI vs human on labelled messages (dev: tuned on; the others never learnt from)",
            "rows": rows, "mistakes": mistakes}  # fmt: skip


def kb_section() -> dict:
    rows = []
    misses = {}
    for name in SETS:
        result = bench_kb(name=name)
        ms = result["search_ms"]
        rows += [{"questions": name, **row, "search p95 ms": ms["p95"]} for row in result["rows"]]
        misses[name] = result["misses"]
    return {"title": "Knowledge base retrieval by language (calibration and held-out: the demo articles; unseen: "
            "another business's)", "rows": rows, "misses": misses}  # fmt: skip


def _first_token_ms(base_url: str) -> float | None:
    """A short grounded prompt (an article sentence and a question), streamed: time to the first text."""
    from django.test import override_settings

    messages = [
        {"role": "system", "content": "Answer from the article in Spanish, in one sentence.\n\nHelp article "
         "\"Returns\":\n- Unworn items can be returned within 30 days of delivery."},
        {"role": "user", "content": "¿Cuántos días tengo para devolver algo?"},
    ]  # fmt: skip
    with override_settings(OPENAI_BASE_URL=base_url, AI_CHAT_MODEL=localmodel.MODEL_ALIAS):
        started = time.perf_counter()
        try:
            for _ in chat_stream(purpose="bench", messages=messages, result=StreamResult()):
                return (time.perf_counter() - started) * 1000
        except LLMError:
            pass  # no first token in time: reported as not measured, and the target as missed
    return None


def answers_section(limit: int | None) -> dict:
    if not localmodel.MODEL_FILE.is_file():
        return {"title": "AI agent answers: skipped, the local model is not assembled (make localmodel)", "rows": []}
    started = time.monotonic()
    with supervisor_running(Path(tempfile.mkdtemp(prefix="bench-llm-"))) as supervisor:
        ready_seconds = time.monotonic() - started
        first_token = [t for t in (_first_token_ms(supervisor.url) for _ in range(3)) if t is not None]
        results = {kb: bench_answers(base_url=supervisor.url, model=localmodel.MODEL_ALIAS, limit=limit, kb=kb)
                   for kb in ("demo", *OTHER_BUSINESSES)}  # fmt: skip
    rows = []
    for kb, result in results.items():
        rows.append({"articles": kb, "questions": result["questions"], "fact + link %": result["fact_and_link_pct"],
                     "generated": result["methods"].get("generated", 0),
                     "extractive": result["methods"].get("extractive", 0),
                     "handed off": result["methods"].get("handoff", 0), "reply p50 ms": result["latency_ms"]["p50"],
                     "reply p95 ms": result["latency_ms"]["p95"],
                     "first token ms (best of 3)": round(min(first_token)) if first_token else None,
                     "model ready s": round(ready_seconds, 1)})  # fmt: skip
    return {"title": "AI agent answers with the local model (FAQ in 5 languages, the demo's and others' articles)",
            "rows": rows, "answers": {kb: result["rows"] for kb, result in results.items()}}  # fmt: skip
