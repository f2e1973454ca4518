"""Celery workers SIGKILLed in the middle of outbound sends, again and again: every message ends
sent exactly once or visibly failed, never sent twice, never stuck in "sending"."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from channels_app.delivery import delivery_recover, message_deliver
from channels_app.standins.twilio_server import TwilioStandin
from config.celery import app
from inbox.models import Channel, Message
from inbox.services import message_receive
from tests.browser import ROOT
from tests.browser import test_database_url as database_url

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]
D = Message.Delivery


@pytest.fixture
def via_broker():
    """This test's process enqueues like production (the suite runs tasks inline otherwise)."""
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.fixture
def slow_twilio():
    standin = TwilioStandin(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        webhook_url="",
        whatsapp_number=settings.TWILIO_WHATSAPP_FROM,
        sms_number=settings.TWILIO_SMS_FROM,
        callback_delay=None,
    ).start()
    standin.answer_delay = 0.4  # Twilio has the message; our worker has not heard back yet
    yield standin
    standin.stop()


def _worker(twilio_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "TEST_TWILIO_API_BASE_URL": twilio_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "2", "-l", "WARNING", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)  # the main process and its pool, mid-send
    worker.wait(timeout=10)


def _unsettled() -> int:
    return Message.objects.filter(direction="outbound", delivery_status__in=[D.PENDING, D.SENDING]).count()


def test_killed_workers_never_send_twice_and_leave_nothing_stuck(slow_twilio, via_broker, tmp_path):
    conversation = message_receive(channel=Channel.WHATSAPP, address="+15557770001", text="hi").message.conversation
    outbound = Message.objects.bulk_create(
        Message(conversation=conversation, channel=Channel.WHATSAPP, direction=Message.Direction.OUTBOUND,
                author_kind=Message.Author.AGENT, text=f"Reply number {i}", delivery_status=D.PENDING)
        for i in range(16)
    )  # fmt: skip
    for message in outbound:  # through the broker: real workers take them
        message_deliver.delay(message.pk)

    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    try:
        for _ in range(3):  # a worker dies mid-send, a new one starts, again
            worker = _worker(slow_twilio.url, log)
            time.sleep(4)
            _kill(worker)
        # What the killed workers held is resolved by the recovery sweep (run as if minutes later),
        # then a last worker finishes what was re-queued.
        later = timezone.now() + timedelta(minutes=settings.DELIVERY_STUCK_AFTER_MINUTES + 1)
        delivery_recover(now=later)
        worker = _worker(slow_twilio.url, log)
        deadline = time.monotonic() + 60
        while _unsettled() and time.monotonic() < deadline:
            time.sleep(0.5)
            delivery_recover(now=timezone.now() + timedelta(minutes=settings.DELIVERY_STUCK_AFTER_MINUTES + 1))
        _kill(worker)
    finally:
        log.close()

    creates = {}
    for sent in slow_twilio.messages.values():
        creates[sent.body] = creates.get(sent.body, 0) + 1
    assert max(creates.values()) == 1, creates  # nobody got a reply twice
    assert _unsettled() == 0, (tmp_path / "worker.log").read_text()[-3000:]
    for message in Message.objects.filter(pk__in=[m.pk for m in outbound]):
        if message.delivery_status == D.FAILED:
            assert message.error_message, (
                message.pk,
                message.error_code,
                message.metadata,
                message.external_id,
            )  # visibly
        else:
            assert message.delivery_status == D.QUEUED and creates.get(message.text) == 1 and message.external_id
    sent = Message.objects.filter(pk__in=[m.pk for m in outbound], delivery_status=D.QUEUED).count()
    assert sent >= 8  # most went out; the rest were caught mid-send and say so
