"""Decision quality and speed on the labelled set the product never trained on
(tests/fixtures/ai/routing_eval.jsonl): AI vs human right, by language, by reason, by channel."""

import json
import time
from collections import defaultdict
from pathlib import Path

from tests.bench.report import percentiles

EVAL = Path(__file__).resolve().parent.parent / "fixtures" / "ai" / "routing_eval.jsonl"


def cases(path: Path = EVAL) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(path: Path = EVAL) -> dict:
    from agents.decisions import text_decide
    from agents.examples import examples_defaults_load

    examples_defaults_load()
    rows = cases(path)
    text_decide(text="warm-up")  # the first call fits the heads; the bench measures decisions
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    language_right = [0, 0]
    timings = []
    mistakes = []
    for case in rows:
        started = time.perf_counter()
        decided = text_decide(text=case["text"])
        timings.append((time.perf_counter() - started) * 1000)
        right = decided["owner"] == case["owner"]
        for key in (("all", "all"), ("language", case["language"]), ("reason", case["reason"]),
                    ("channel", case["channel"])):  # fmt: skip
            tally[key][0] += right
            tally[key][1] += 1
        language_right[0] += decided["language"] == case["language"]
        language_right[1] += 1
        if not right:
            mistakes.append({"id": case["id"], "want": case["owner"], "why": case["reason"],
                             "reasons": decided["human_reasons"], "text": case["text"][:80]})  # fmt: skip
    stats = percentiles(timings)
    table = [
        {"group": group, "value": value, "right": f"{n}/{total}", "accuracy %": round(100 * n / total, 1)}
        for (group, value), (n, total) in sorted(tally.items())
    ]
    table.append({"group": "language id", "value": "all", "right": f"{language_right[0]}/{language_right[1]}",
                  "accuracy %": round(100 * language_right[0] / max(language_right[1], 1), 1)})  # fmt: skip
    table.append({"group": "decision ms", "value": "p50 / p95", "right": f"{stats['p50']} / {stats['p95']}"})
    return {"title": f"Decisions: AI vs human on {len(rows)} unseen labelled messages", "rows": table,
            "mistakes": mistakes[:40]}  # fmt: skip
