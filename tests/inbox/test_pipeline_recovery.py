"""An inbound message stored while the broker is down is neither refused nor forgotten."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from inbox.models import Message
from inbox.pipeline_recovery import inbound_pipeline_recover
from tests.channels_app.twilio_helpers import inbound_params, twilio_post, twilio_settings  # noqa: F401 - fixture
from tests.factories import MessageFactory


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_does_not_fail_the_webhook_and_the_sweep_processes_the_message(
    client,
    twilio_settings,  # noqa: F811
):
    with mock.patch("inbox.tasks.inbound_message_process.delay", side_effect=OperationalError("Connection refused")):
        response = twilio_post(client, "/webhooks/twilio/messages/", inbound_params(body="Where is my order?"))
    assert response.status_code == 200
    message = Message.objects.get(text="Where is my order?")
    assert message.classification == {}  # its pipeline task was lost

    assert inbound_pipeline_recover(now=timezone.now()) == 0  # too fresh: its task may still be queued
    assert inbound_pipeline_recover(now=timezone.now() + timedelta(minutes=3)) == 1
    message.refresh_from_db()
    assert message.classification, "the sweep did not run the pipeline"
    assert inbound_pipeline_recover(now=timezone.now() + timedelta(minutes=3)) == 0


@pytest.mark.django_db
def test_the_sweep_leaves_processed_old_and_auto_reply_messages_alone():
    now = timezone.now()
    MessageFactory(classification={"intent": "other"})
    MessageFactory(metadata={"auto_reply": True})
    old = MessageFactory()
    Message.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=2))
    with mock.patch("inbox.tasks.inbound_message_process.delay") as delay:
        assert inbound_pipeline_recover(now=now + timedelta(minutes=3)) == 0
    delay.assert_not_called()
