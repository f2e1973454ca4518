"""Redis restarted (empty) during inbound traffic: the database comes first, so no message is lost,
no webhook fails, and the beat's sweep runs the pipeline of any message whose task Redis lost."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from inbox.models import Message
from inbox.pipeline_recovery import inbound_pipeline_recover
from tests.channels_app.twilio_helpers import inbound_params
from tests.resilience.conftest import daphne_running
from tests.resilience.test_twilio_storm import INBOUND, post

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
MESSAGES = 60


def test_no_inbound_message_is_lost_while_redis_restarts(own_redis, transactional_db, settings):
    # A web process as in production: tasks go through the broker, events through the channel layer.
    with daphne_running("redis-restart", settings_module="config.settings", REDIS_URL=own_redis.url) as web:
        originals = [
            inbound_params(sid=f"SM{n + 50_000:032x}", sender=f"+1555200{n % 7:04d}", body=f"during outage {n}")
            for n in range(MESSAGES)
        ]
        codes: list[int] = []
        sent = threading.Event()

        def traffic():
            with ThreadPoolExecutor(4) as pool:
                for code in pool.map(lambda p: post(web.url, INBOUND, p), originals):
                    codes.append(code)
            sent.set()

        sender = threading.Thread(target=traffic)
        sender.start()
        while len(codes) < MESSAGES // 4:
            time.sleep(0.01)
        own_redis.stop()  # down for a while, then back empty
        while len(codes) < MESSAGES // 2 and not sent.is_set():
            time.sleep(0.01)
        time.sleep(0.5)
        own_redis.start()
        sender.join(timeout=120)

    assert sorted(set(codes)) == [200], f"webhooks failed during the outage: {sorted(set(codes))}"
    stored = Message.objects.filter(external_id__in=[p["MessageSid"] for p in originals])
    assert stored.count() == MESSAGES

    # No worker ran: every pipeline task went to a Redis that is gone or was never reached.
    lost = stored.filter(classification={}).count()
    assert lost > 0
    settings.INBOUND_PIPELINE_STUCK_AFTER_SECONDS = 0
    assert inbound_pipeline_recover(now=timezone.now()) == lost
    assert not stored.filter(classification={}).exists(), "a stored message was never processed"
