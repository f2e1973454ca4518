"""Delivery status only moves forward, whatever order Twilio's callbacks arrive in."""

import itertools

import pytest

from inbox.models import Message
from inbox.services import message_delivery_update
from tests.channels_app.twilio_helpers import twilio_post
from tests.factories import MessageFactory
from tests.helpers import capture_events

STATUS = "/webhooks/twilio/status/"
D = Message.Delivery
pytestmark = pytest.mark.django_db


def outbound(sid="SM" + "5" * 32, status=D.QUEUED, channel="whatsapp"):
    return MessageFactory(
        channel=channel,
        direction=Message.Direction.OUTBOUND,
        author_kind=Message.Author.AGENT,
        external_id=sid,
        delivery_status=status,
    )


def callback(sid, status, **extra):
    return {
        "MessageSid": sid,
        "MessageStatus": status,
        "From": "whatsapp:+14155238886",
        "To": "whatsapp:+15551234567",
        "AccountSid": "AC" + "1" * 32,
    } | extra


@pytest.mark.parametrize("order", list(itertools.permutations(["sent", "delivered", "read"])))
def test_shuffled_callbacks_end_at_the_furthest_status(client, twilio_settings, order):
    message = outbound()
    seen = []
    for status in order:
        assert twilio_post(client, STATUS, callback(message.external_id, status)).status_code == 204
        message.refresh_from_db()
        seen.append(message.delivery_status)
    ranks = [list(D.values).index(s) for s in seen]
    assert ranks == sorted(ranks), f"went backwards: {seen}"
    assert message.delivery_status == D.READ
    assert message.sent_at and message.delivered_at and message.read_at


def test_undelivered_shows_twilios_error_code_and_a_late_sent_does_not_hide_it(client, twilio_settings):
    message = outbound()
    twilio_post(client, STATUS, callback(message.external_id, "undelivered", ErrorCode="30003"))
    twilio_post(client, STATUS, callback(message.external_id, "sent"))
    message.refresh_from_db()
    assert message.delivery_status == D.UNDELIVERED
    assert message.error_code == "30003"
    assert message.error_message == "The phone is unreachable (off or out of coverage)"


def test_a_late_failure_never_overrides_delivered(twilio_settings):
    message = outbound(status=D.DELIVERED)
    message_delivery_update(channel="whatsapp", external_id=message.external_id, status=D.FAILED, error_code="30008")
    message.refresh_from_db()
    assert message.delivery_status == D.DELIVERED and message.error_code == ""


def test_a_whatsapp_failure_outside_the_window_is_explained(client, twilio_settings):
    message = outbound()
    twilio_post(client, STATUS, callback(message.external_id, "failed", ErrorCode="63016"))
    message.refresh_from_db()
    assert message.delivery_status == D.FAILED
    assert "24-hour window" in message.error_message


def test_sms_and_whatsapp_sids_are_kept_apart(client, twilio_settings):
    sms = outbound(channel="sms", sid="SM" + "6" * 32)
    params = callback(sms.external_id, "delivered", From="+15005550006", To="+15551234567")
    assert twilio_post(client, STATUS, params).status_code == 204
    sms.refresh_from_db()
    assert sms.delivery_status == D.DELIVERED


def test_each_change_is_announced_to_the_conversation(twilio_settings, django_capture_on_commit_callbacks):
    message = outbound()
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        message_delivery_update(channel="whatsapp", external_id=message.external_id, status=D.DELIVERED)
    assert sent == [
        (
            (f"conversation.{message.conversation_id}",),
            {
                "type": "message",
                "op": "status",
                "conversation_id": message.conversation_id,
                "message_id": message.pk,
                "status": D.DELIVERED,
            },
        )
    ]


def test_unknown_sids_and_statuses_are_acknowledged_and_ignored(client, twilio_settings):
    assert twilio_post(client, STATUS, callback("SM" + "9" * 32, "delivered")).status_code == 204
    message = outbound()
    assert twilio_post(client, STATUS, callback(message.external_id, "partially_delivered")).status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == D.QUEUED


def test_callbacks_are_authenticated_and_validated(client, twilio_settings):
    message = outbound()
    params = callback(message.external_id, "delivered")
    assert client.post(STATUS, params).status_code == 403
    assert twilio_post(client, STATUS, {"MessageSid": message.external_id}).status_code == 400
    message.refresh_from_db()
    assert message.delivery_status == D.QUEUED
