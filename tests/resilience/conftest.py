"""Resilience fixtures: a real daphne on the test database, reached over real HTTP."""

import os
import subprocess
import sys
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


@pytest.fixture(scope="module")
def live_web(django_db_setup, django_db_blocker):
    """A daphne process with Twilio credentials, whose public URL is the one the tests call.

    Module-scoped so each scenario module can kill or restart what it needs without
    affecting the browser tests' own live server."""
    port = free_port()
    with django_db_blocker.unblock():
        database_url = browser.test_database_url()
    url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "PUBLIC_BASE_URL": url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PYTHONUNBUFFERED": "1",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    log = open(ARTIFACTS / f"resilience-daphne-{worker}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for_port(port, proc, name=f"daphne (see {log.name})")
    yield LiveWeb(url=url, proc=proc)
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
