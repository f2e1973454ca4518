"""Real-browser testing: daphne serving the test database, Chromium driven by Playwright.

Playwright cannot download its own browser here, so Debian's Chromium is used
(`make test` installs it). Screenshots go to test-artifacts/ (git-ignored).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.net import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@/{db['NAME']}?host={db['HOST']}"


@pytest.fixture(scope="session")
def live_twilio():
    """The Twilio stand-in the browser tests' server sends WhatsApp and SMS through.

    It answers like Twilio and posts signed status callbacks to the live server, so delivery
    ticks move in the browser the way they do in production.
    """
    from channels_app.standins.twilio_server import TwilioStandin

    standin = TwilioStandin(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        webhook_url="",  # set once the live server's port is known
        whatsapp_number=settings.TWILIO_WHATSAPP_FROM,
        sms_number=settings.TWILIO_SMS_FROM,
        callback_delay=0.2,
    ).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker, live_twilio) -> str:
    """A daphne process (HTTP + websockets) serving the test database, for this worker."""
    port = free_port()
    url = f"http://localhost:{port}"
    live_twilio.webhook_url = f"{url}/webhooks/twilio/messages/"
    with django_db_blocker.unblock():
        database_url = test_database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "PUBLIC_BASE_URL": url,  # status callbacks are signed for, and posted to, this address
        "TEST_TWILIO_API_BASE_URL": live_twilio.url,
        "PYTHONUNBUFFERED": "1",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"daphne-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for_port(port, proc, name=f"daphne (see {log.name})")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module.

    Not per session: Playwright's sync API runs an event loop in this thread while it is
    open, which would break the async_to_sync calls of later non-browser tests.
    """
    from playwright.sync_api import sync_playwright

    # The ORM calls a test makes between browser steps are plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def new_page(chromium, transactional_db, live_server_url):
    """Make pages in fresh browser contexts (one per person); closed after the test."""
    contexts = []

    def make(**options):
        context = chromium.new_context(base_url=live_server_url, viewport={"width": 1280, "height": 800}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    _wait_for_server_writes()


def _wait_for_server_writes(timeout: float = 10) -> None:
    """Closing pages runs the live server's disconnect handlers, which write (presence, typing).
    Flushing the test database while they run deadlocks, so wait until its other sessions are idle."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def in_thread(service, /, **kwargs):
    """Call a service from a worker thread, as a web request or a task would.

    Playwright's sync API keeps an event loop running in the test's thread, where the
    after-commit realtime publish (async_to_sync) cannot run; a worker thread has none.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def call():
        try:
            return service(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()
