import hashlib
import hmac
import json

import pytest

from inbox.api.models import WebhookDelivery, WebhookEndpoint
from inbox.api.services import webhook_endpoint_create
from inbox.models import Channel, Conversation
from inbox.services import conversation_set_status, message_receive
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _endpoint(receiver, events=("message.created", "conversation.created", "conversation.resolved")):
    return webhook_endpoint_create(url=receiver.url, events=list(events), actor=AgentFactory().user)


def test_a_new_message_is_posted_signed_to_subscribers(receiver):
    endpoint = _endpoint(receiver)
    message = message_receive(channel=Channel.SMS, address="+15551230000", text="Where is my order?").message

    events = {json.loads(r["body"])["event"]: r for r in receiver.requests}
    assert set(events) == {"conversation.created", "message.created"}
    request = events["message.created"]
    body = json.loads(request["body"])
    assert body["data"]["message"]["id"] == message.pk
    assert body["data"]["message"]["text"] == "Where is my order?"
    assert request["headers"]["X-Inbox-Event"] == "message.created"
    assert request["headers"]["X-Inbox-Delivery"] == body["delivery_id"]

    timestamp, signature = (part.split("=", 1)[1] for part in request["headers"]["X-Inbox-Signature"].split(","))
    expected = hmac.new(endpoint.secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    assert WebhookDelivery.objects.filter(state="succeeded").count() == 2


def test_only_subscribed_events_are_sent(receiver):
    _endpoint(receiver, events=["conversation.resolved"])
    conversation = message_receive(channel=Channel.SMS, address="+15551230000", text="hi").message.conversation
    assert receiver.requests == []
    conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED)
    assert [json.loads(r["body"])["event"] for r in receiver.requests] == ["conversation.resolved"]


def test_a_failing_receiver_is_retried_until_it_answers(receiver):
    _endpoint(receiver, events=["message.created"])
    receiver.statuses = [500, 503]
    message_receive(channel=Channel.SMS, address="+15551230000", text="hi")

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "succeeded" and delivery.attempts == 3
    ids = {r["headers"]["X-Inbox-Delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1, "retries reuse the delivery id so receivers can dedupe"


def test_an_endpoint_that_keeps_failing_is_disabled_with_a_reason(receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_DISABLE_AFTER = 2
    endpoint = _endpoint(receiver, events=["message.created"])
    receiver.statuses = [500] * 10

    message_receive(channel=Channel.SMS, address="+15551230000", text="one")
    message_receive(channel=Channel.SMS, address="+15551230000", text="two")
    endpoint.refresh_from_db()
    assert not endpoint.active and "2 deliveries failed in a row" in endpoint.disabled_reason
    assert WebhookDelivery.objects.filter(state="failed").count() == 2

    message_receive(channel=Channel.SMS, address="+15551230000", text="three")
    assert len(receiver.requests) == 4, "a disabled endpoint gets nothing more"


def test_nothing_is_queued_for_a_change_that_rolls_back(receiver):
    from django.db import transaction

    _endpoint(receiver, events=["message.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        message_receive(channel=Channel.SMS, address="+15551230000", text="hi")
        raise RuntimeError
    assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


def test_bad_endpoints_are_refused():
    from django.core.exceptions import ValidationError

    actor = AgentFactory().user
    with pytest.raises(ValidationError):
        webhook_endpoint_create(url="ftp://x", events=["message.created"], actor=actor)
    with pytest.raises(ValidationError):
        webhook_endpoint_create(url="https://x.example", events=["nope"], actor=actor)
    assert not WebhookEndpoint.objects.exists()
