"""AI overhead: knowledge retrieval + prompt assembly (no model time) over a large knowledge base."""

from agents.management.commands.ai_bench import ai_overhead_measure
from tests.bench.report import percentiles


def run(chunks: int, queries: int) -> dict:
    measured = ai_overhead_measure(chunks=chunks, queries=queries)
    rows = []
    for label, key in (("hybrid retrieval", "search_ms"), ("prompt assembly", "prompt_ms"), ("total", "total_ms")):
        stats = percentiles(measured[key])
        rows.append({"part": label, "chunks": measured["chunks"], "p50": stats["p50"], "p95": stats["p95"],
                     "max": stats["max"]})  # fmt: skip
    rows.append({"part": "query embedding (reported apart)", "chunks": measured["chunks"],
                 "p50": round(measured["embed_ms"], 2)})  # fmt: skip
    return {"title": f"AI overhead in ms per question ({queries} questions, no model time)", "rows": rows}
