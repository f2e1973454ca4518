"""The local model under its real supervisor (`python -m agents.localmodel serve`, the Procfile's
`llm`) on a free port, for the tests and the bench that need the real model."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from agents import localmodel
from tests.net import free_port

READY_TIMEOUT = 120


class Supervisor:
    def __init__(self, proc: subprocess.Popen, port: int, status_file: Path):
        self.proc, self.port, self.status_file = proc, port, status_file
        self.url = f"http://127.0.0.1:{port}/v1"

    def status(self) -> dict:
        try:
            return json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return {}

    def wait_ready(self, *, other_than_pid: int | None = None, timeout: float = READY_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            if status.get("state") == "ready" and status.get("pid") != other_than_pid:
                return status
            if status.get("state") == "not_used" or self.proc.poll() is not None:
                raise RuntimeError(f"the supervisor cannot serve the model: {status} (exit {self.proc.poll()})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local model was not ready within {timeout} s: {status}")
            time.sleep(0.2)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has let go of its port and memory


@contextmanager
def supervisor_running(var: Path) -> Iterator[Supervisor]:
    """A ready supervisor whose status file is in ``var``; stopped (and its server with it) on exit."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",  # what the Procfile's `llm` runs with
        "DEBUG": "1",
        "LOCAL_LLM_PORT": str(port),
        "INBOX_VAR_DIR": str(var),  # the status file goes there (the model file stays in var/models/)
        # Empty, not absent: a developer's .env must not fill them in and turn the local model off.
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        # The caller's own servers: the supervisor's settings must not start embedded ones under `var`.
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "agents.localmodel", "serve"],
        cwd=localmodel.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C of pytest is not also the supervisor's
    )
    running = Supervisor(proc, port, var / "local-llm.json")
    try:
        running.wait_ready()
        yield running
    finally:
        child = running.status().get("pid")
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)
