"""`make bench`: run the benchmarks against the real stack and write a report.

    python -m tests.bench [--quick] [--only webhooks,fanout,pages,ai] [--out var/bench]

A missed target is reported, never a failure: the numbers are the product.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from tests.bench.report import table, write
from tests.bench.stack import ROOT, running_stack

SCENARIOS = ("webhooks", "fanout", "pages", "ai")
# What we aim for on a 2-core machine (issue 8); each line: (label, section, pick(rows), limit).
TARGETS = [
    ("webhook ack p99 at 300 msg/s", "webhooks", lambda rows: _at(rows, "rate", 300, "p99"), 50),
    ("webhook messages lost", "webhooks", lambda rows: sum(r["lost"] for r in rows), 0),
    ("webhook messages stored twice", "webhooks", lambda rows: sum(r["duplicated"] for r in rows), 0),
    ("fan-out p95 at 1000 sockets", "fanout", lambda rows: _at(rows, "sockets", 1000, "p95"), 100),
    ("list p95 at 100k conversations", "pages", lambda rows: _page(rows, "list page 2 (keyset)"), 50),
    ("search p95 at ~1M messages", "pages", lambda rows: _page(rows, "search 'canada duties'"), 150),
    ("AI overhead p95 at 10k chunks", "ai", lambda rows: _at(rows, "step", "retrieval + prompt total", "p95"), 50),
]


def _at(rows: list[dict], key: str, value, column: str):
    return next((r[column] for r in rows if r[key] == value), None)


def _page(rows: list[dict], page: str):
    at_largest = [r for r in rows if r["conversations"] == max(r["conversations"] for r in rows)]
    return _at(at_largest, "page", page, "p95")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    only = [s for s in args.only.split(",") if s in SCENARIOS]
    quick = args.quick

    results: dict = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "quick": quick,
        "sections": {},
    }
    with running_stack(args.out / "stack", web_processes=2, workers=1) as stack:
        import django

        django.setup()
        from tests.bench import ai, fanout, pages, webhooks

        sections = results["sections"]
        if "webhooks" in only:
            print("Inbound webhooks")
            sections["webhooks"] = webhooks.run(stack, [20, 50] if quick else [50, 100, 200, 300], 3 if quick else 10)
        if "fanout" in only:
            print("Realtime fan-out")
            sections["fanout"] = fanout.run(stack, [10, 50] if quick else [10, 100, 1000], 3 if quick else 20)
        if "pages" in only:
            print("Inbox pages and search")
            sections["pages"] = pages.run(stack, [2_000] if quick else [10_000, 100_000], 3 if quick else 20)
        if "ai" in only:
            sections["ai"] = ai.run(stack, 1_000 if quick else 10_000, 10 if quick else 50)

    results["targets"] = [
        {"target": label, "limit": limit, "measured": pick(results["sections"][name]["rows"])}
        for label, name, pick, limit in TARGETS
        if name in results["sections"]
    ]
    for row in results["targets"]:
        measured = row["measured"]
        row["met"] = "—" if measured is None else "yes" if measured <= row["limit"] else "NO"
    print("\n" + _text(results))
    json_path, html_path = write(results, args.out, ROOT / "static" / "vendor" / "chart.umd.min.js")
    print(f"\nReport: {json_path} and {html_path}")
    return 0


def _text(results: dict) -> str:
    text = []
    for section in results["sections"].values():
        rows = section["rows"]
        if rows:
            text.append(f"{section['title']}\n{table(rows, list(dict.fromkeys(k for r in rows for k in r)))}")
        if "memory_mb" in section:
            mem = [
                {"sockets": k, **{p: round(v, 1) for p, v in procs.items()}}
                for k, procs in section["memory_mb"].items()
            ]
            text.append(f"Process memory (MB RSS) with the sockets open\n{table(mem, list(mem[0]))}")
    if results["targets"]:
        text.append(f"Targets (2-core machine)\n{table(results['targets'], ['target', 'limit', 'measured', 'met'])}")
    results["text"] = "\n\n".join(text)
    return results["text"]


if __name__ == "__main__":
    sys.exit(main())
