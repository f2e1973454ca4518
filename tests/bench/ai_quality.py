"""The AI's quality in `make bench`, on the real stack's database (everything rolled back):

- decisions: AI vs human on the labelled messages the product never learnt from, by language,
  reason and channel, and the decision's time (no model call);
- kb: top-1 / top-3 per language on the demo articles;
- answers: the AI agent's replies with the real local model (the fact and the link), the first
  token of a short grounded prompt, and the whole reply's latency.
"""

import tempfile
import time
from pathlib import Path

from django.db import transaction

from agents import localmodel
from agents.llm import LLMError, StreamResult, chat_stream
from agents.models import Article
from tests.agents.kb import demo_kb_load
from tests.bench import decisions
from tests.bench.answers import bench_answers
from tests.bench.kb import bench_kb
from tests.localmodel_process import supervisor_running

DEV = decisions.EVAL.with_name("routing_dev.jsonl")


class _Rollback(Exception):
    pass


def decisions_section() -> dict:
    results = {}
    try:
        with transaction.atomic():
            Article.objects.update(published=False)  # only the demo articles answer (rolled back)
            demo_kb_load()
            for name, path in (("eval", decisions.EVAL), ("dev", DEV)):
                results[name] = decisions.run(path)
            raise _Rollback
    except _Rollback:
        pass
    rows = [{"set": name, **row} for name, result in results.items() for row in result["rows"]]
    mistakes = results["eval"]["mistakes"]
    return {"title": "Decisions: AI vs human on labelled messages (eval: never learnt from; dev: tuned on)",
            "rows": rows, "mistakes": mistakes}  # fmt: skip


def kb_section() -> dict:
    rows = []
    for held_out in (False, True):
        result = bench_kb(held_out=held_out)
        label = "held-out" if held_out else "calibration"
        ms = result["search_ms"]
        rows += [{"questions": label, **row, "search p95 ms": ms["p95"]} for row in result["rows"]]
    return {"title": "Knowledge base retrieval on the demo articles, by language", "rows": rows}


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
        result = bench_answers(base_url=supervisor.url, model=localmodel.MODEL_ALIAS, limit=limit)
    row = {"questions": result["questions"], "fact + link %": result["fact_and_link_pct"],
           "generated": result["methods"].get("generated", 0), "extractive": result["methods"].get("extractive", 0),
           "handed off": result["methods"].get("handoff", 0), "reply p50 ms": result["latency_ms"]["p50"],
           "reply p95 ms": result["latency_ms"]["p95"],
           "first token ms (best of 3)": round(min(first_token)) if first_token else None,
           "model ready s": round(ready_seconds, 1)}  # fmt: skip
    return {"title": "AI agent answers with the local model (FAQ in 5 languages, real model)", "rows": [row],
            "answers": result["rows"]}  # fmt: skip
