"""`make run`'s command boots a working demo on fresh servers and cleans up on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.embedded import EmbeddedServers
from tests.net import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_run_demo_serves_the_login_page_and_stops_everything_on_ctrl_c(server_tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"INBOX_VAR_DIR": str(server_tmp_path / "var"), "DEBUG": "true", "PYTHONUNBUFFERED": "1"}
    log = open(server_tmp_path / "run.log", "w+")  # noqa: SIM115 - read after the process ends
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/accounts/login/", timeout=150)
        assert 'name="username"' in body
        output = (server_tmp_path / "run.log").read_text()
        assert f"http://localhost:{port}/" in output and "admin / inbox-admin" in output
        servers = EmbeddedServers(server_tmp_path / "var")
        assert servers.status().running
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        proc.wait(timeout=60)

    status = EmbeddedServers(server_tmp_path / "var").status()
    assert status.postgres_pid is None and status.redis_pid is None, (server_tmp_path / "run.log").read_text()[-3000:]
    leftovers = subprocess.run(["pgrep", "-f", str(server_tmp_path)], capture_output=True, text=True).stdout
    assert leftovers == ""


def _wait_for(url: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own localhost server
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
