"""A Celery worker SIGKILLed in the middle of outbound sends, again and again: each message
reaches the provider at most once and ends sent or visibly failed, never stuck "sending"."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from channels_app.delivery import delivery_recover
from channels_app.standins.twilio_server import TwilioStandin
from config.celery import app
from inbox.models import Channel, Message
from tests import browser
from tests.browser import ARTIFACTS, ROOT
from tests.channels_app.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN
from tests.factories import MessageFactory, phone_conversation

pytestmark = [
    pytest.mark.resilience,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect"),
]
D = Message.Delivery
MESSAGES = 16
KILLS = 3


@pytest.fixture(params=["with-callbacks", "silent-provider"])
def slow_standin(request, settings, live_web):
    """The Twilio stand-in, answering each send 0.4 s after accepting it: the crash window.

    With callbacks, it reports statuses to the live daphne as Twilio does; silent, it never does."""
    callbacks = request.param == "with-callbacks"
    settings.PUBLIC_BASE_URL = live_web.url
    server = TwilioStandin(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        webhook_url="http://127.0.0.1:9/webhooks/twilio/messages/",
        whatsapp_number="+14155238886",
        sms_number="+15005550006",
        callback_delay=0.2 if callbacks else None,
        create_delay=0.4,
    ).start()
    server.public_url = live_web.url
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, AUTH_TOKEN
    settings.TWILIO_API_BASE_URL = server.url
    yield server
    server.stop()


def worker_start(standin_url: str, public_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TESTING": "1",
        "DATABASE_URL": browser.test_database_url(),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": standin_url,
        "PUBLIC_BASE_URL": public_url,
        "PYTHONUNBUFFERED": "1",
    }
    from django.conf import settings

    env["REDIS_URL"] = settings.REDIS_URL
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "INFO", "-c", "2", "--without-mingle",
            "--without-gossip", "--without-heartbeat", "-Q", "celery"]  # fmt: skip
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def kill_hard(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children at once, as an OOM killer or a lost host would."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def creates_per_message(standin: TwilioStandin) -> Counter:
    with standin.lock:
        callbacks = [sent.status_callback for sent in standin.messages.values()]
    return Counter(int(parse_qs(urlparse(url).query)["message"][0]) for url in callbacks)


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def wait_settled(ids: list[int], timeout: float, quiet: float = 4.0) -> bool:
    """Until no message is pending, or nothing has moved for ``quiet`` seconds (the tasks a killed
    worker had taken stay with the broker until its visibility timeout: recovery's job)."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = Counter(Message.objects.filter(pk__in=ids).values_list("delivery_status", flat=True))
        if not now[D.PENDING] and not now[D.SENDING]:
            return True
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > quiet:
            return True
        time.sleep(0.2)
    return False


def test_killed_workers_never_send_twice_and_leave_nothing_sending(slow_standin, transactional_db):
    conversation = phone_conversation(number="+15557770000", channel=Channel.SMS)
    messages = [
        MessageFactory(
            conversation=conversation,
            channel=Channel.SMS,
            direction=Message.Direction.OUTBOUND,
            author_kind=Message.Author.AGENT,
            text=f"reply {n}",
            delivery_status=D.PENDING,
        )
        for n in range(MESSAGES)
    ]
    for message in messages:  # through the broker, not inline (the test settings run tasks eagerly)
        app.send_task("channels_app.delivery.message_deliver", args=[message.pk])

    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / f"resilience-worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log", "w") as log:
        for kill in range(1, KILLS + 1):
            worker = worker_start(slow_standin.url, slow_standin.public_url, log)
            # Kill while a send is in flight: the stand-in has accepted it but not yet answered.
            reached = wait_until(lambda k=kill: sum(creates_per_message(slow_standin).values()) >= 2 * k, timeout=60)
            kill_hard(worker)
            assert reached, "the worker never sent anything (see its log in test-artifacts/)"
        worker = worker_start(slow_standin.url, slow_standin.public_url, log)
        try:
            settled = wait_settled([m.pk for m in messages], timeout=60)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    assert settled, "the surviving worker did not drain the queue"

    # The beat's recovery task, run as it would be once the sends are old enough to be stuck.
    counts = delivery_recover(now=timezone.now() + timedelta(minutes=30))
    if slow_standin.callback_delay is not None:  # let the provider's last reports arrive
        wait_until(lambda: len(slow_standin.callbacks) >= 2 * len(creates_per_message(slow_standin)), timeout=20)

    sends = creates_per_message(slow_standin)
    final = {m.pk: m for m in Message.objects.filter(pk__in=[m.pk for m in messages])}
    assert max(sends.values()) == 1, f"sent twice: {sends}"
    for pk, message in final.items():
        assert message.delivery_status not in (D.PENDING, D.SENDING), (pk, message.delivery_status, counts)
        if message.delivery_status == D.FAILED:
            assert message.error_message, f"message {pk} failed without a reason"
        else:
            assert sends[pk] == 1 and message.external_id, f"message {pk} shows {message.delivery_status} unsent"
    failed = [pk for pk, m in final.items() if m.delivery_status == D.FAILED]
    if slow_standin.callback_delay is not None:
        # The provider's reports carry the message id: what a dead worker sent is recognised as sent.
        assert not failed, f"sent but shown failed: {failed}"
        assert all(sends[pk] == 1 for pk in final), sends
    else:
        assert all(sends[pk] == 1 for pk in failed), "a message nobody sent was failed instead of retried"
