"""Redis (the task broker and channel layer) unreachable while customers write: the webhook still
answers 200 with the message stored (database first), and the sweep runs the pipeline later."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from twilio.request_validator import RequestValidator

from config.celery import app
from inbox.models import Message
from inbox.pipeline_recovery import inbound_pipeline_recover

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_down():
    """Tasks go to a Redis nobody answers on (a real refused connection, no retry loop)."""
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_publish_retry")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0", task_publish_retry=False)
    _forget_connections()  # made anew, to the dead address
    yield
    app.conf.update(saved)
    _forget_connections()


def _forget_connections() -> None:
    app._pool = None
    app.amqp._producer_pool = None


def _webhook(client, sid: str) -> int:
    form = {"MessageSid": sid, "AccountSid": settings.TWILIO_ACCOUNT_SID, "From": "+15553330001",
            "To": settings.TWILIO_SMS_FROM, "Body": "Is my order lost?", "NumMedia": "0"}  # fmt: skip
    path = "/webhooks/twilio/messages/"
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature("http://testserver" + path, form)
    return client.post(path, form, HTTP_X_TWILIO_SIGNATURE=signature).status_code


def test_messages_arriving_while_the_broker_is_down_are_kept_and_processed_later(client, settings, broker_down):
    settings.PUBLIC_BASE_URL = "http://testserver"
    assert _webhook(client, "SMdown00000000000000000000000001") == 200
    assert _webhook(client, "SMdown00000000000000000000000001") == 200  # Twilio's retry: still one row
    message = Message.objects.get(external_id="SMdown00000000000000000000000001")
    assert message.classification == {}  # stored, not processed yet

    app.conf.update(task_always_eager=True)  # the broker is back (tasks run inline in tests)
    assert inbound_pipeline_recover() == 0  # too fresh: its task may still be on its way
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert inbound_pipeline_recover() == 1
    message.refresh_from_db()
    assert message.classification  # the pipeline ran: classified (or the reason it could not be)
    assert inbound_pipeline_recover() == 0
