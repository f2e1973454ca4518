"""Ports for the servers tests and benchmarks start on this machine (no Django needed)."""

import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, *, timeout: float = 30, name: str = "server") -> None:
    """Return once ``port`` accepts connections; raise if ``proc`` exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start on port {port}") from None
            time.sleep(0.1)
