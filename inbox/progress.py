"""A terminal progress bar for long commands (data generation, rebuilds, benchmarks)."""

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.label, self.total, self.width = label, total, width
        self.stream = stream or sys.stderr
        self.done, self.start = 0, time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def update(self, done: int) -> None:
        self.done = done
        filled = int(self.width * done / max(1, self.total))
        elapsed = time.monotonic() - self.start
        rate = done / elapsed if elapsed else 0
        self.stream.write(f"\r{self.label:<14} [{'#' * filled}{'.' * (self.width - filled)}] {done:>9,}/{self.total:,} "
                          f"{elapsed:6.1f}s {rate:>9,.0f}/s")  # fmt: skip
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()
