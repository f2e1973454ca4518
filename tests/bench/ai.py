"""AI pipeline overhead without model time: hybrid retrieval and prompt assembly over N KB chunks.

Runs `manage.py ai_bench` (which builds the chunks in a rolled-back transaction) on the stack's
database and reads its numbers.
"""

import re
import subprocess
import sys

from tests.bench.stack import ROOT

LINE = re.compile(r"^(?P<step>[^:]+?)(?: \(.*\))?: median (?P<p50>[\d.]+) ms, p95 (?P<p95>[\d.]+) ms$")


def run(stack, chunks: int, queries: int) -> dict:
    print(f"AI overhead over {chunks:,} chunks")
    output = subprocess.run(
        [sys.executable, "manage.py", "ai_bench", "--chunks", str(chunks), "--queries", str(queries)],
        cwd=ROOT, env=stack.env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = [
        {"chunks": chunks, "step": m["step"], "p50": float(m["p50"]), "p95": float(m["p95"])}
        for m in map(LINE.match, output.splitlines())
        if m
    ]
    return {"title": "AI overhead: retrieval + prompt assembly, no model time (ms per question)", "rows": rows}
