"""`make bench`: run the benchmarks against the real stack and write a report.

    python -m tests.bench [--quick] [--out var/bench]

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

TARGETS = {"fanout_p95_ms_at_1000": 100}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    sizes = [10, 50] if args.quick else [10, 100, 1000]
    messages = 5 if args.quick else 20

    results: dict = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "sections": {},
    }
    with running_stack(args.out / "stack", web_processes=2, workers=1) as stack:
        import django

        django.setup()
        from tests.bench import fanout

        print("Realtime fan-out")
        results["sections"]["fanout"] = fanout.run(stack, sizes, messages)

    text = []
    for section in results["sections"].values():
        rows = section["rows"]
        text.append(f"{section['title']}\n{table(rows, list(rows[0]))}")
        if "memory_mb" in section:
            mem = [
                {"sockets": k, **{p: round(v, 1) for p, v in procs.items()}}
                for k, procs in section["memory_mb"].items()
            ]
            text.append(f"Process memory (MB RSS) with the sockets open\n{table(mem, list(mem[0]))}")
    results["text"] = "\n\n".join(text)
    print("\n" + results["text"])
    json_path, html_path = write(results, args.out, ROOT / "static" / "vendor" / "chart.umd.min.js")
    print(f"\nReport: {json_path} and {html_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
