"""The whole loop over real HTTP: a customer writes through the Twilio stand-in, the app (a live
server) stores it, an agent replies through the twilio SDK, and the signed status callbacks
come back and are applied."""

import base64
import time

import pytest
from django.utils import timezone

from inbox.models import Attachment, Customer, Message
from inbox.services import message_append_outbound

pytestmark = pytest.mark.django_db(transaction=True)
D = Message.Delivery


@pytest.fixture
def loop(standin, live_server, twilio_settings):
    twilio_settings.PUBLIC_BASE_URL = live_server.url
    standin.webhook_url = live_server.url + "/webhooks/twilio/messages/"
    standin.callback_delay = 0.05
    return standin


def wait_for(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_whatsapp_round_trip_with_media_and_signed_status_callbacks(loop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = b"\x89PNG\r\n\x1a\n" + b"p" * 500
    answer = loop.customer_writes(
        {
            "channel": "whatsapp",
            "from": "+15551234567",
            "name": "Sam Rivera",
            "body": "The box arrived broken",
            "media_base64": base64.b64encode(picture).decode(),
            "media_type": "image/png",
        }
    )
    assert answer["app_status"] == 200
    inbound = Message.objects.get(external_id=answer["sid"])
    attachment = Attachment.objects.get(message=inbound)
    assert attachment.state == Attachment.State.STORED and attachment.file.read() == picture

    conversation = inbound.conversation
    assert conversation.customer.name == "Sam Rivera"
    reply = message_append_outbound(
        conversation=conversation, channel="whatsapp", text="Sorry! A new one is on its way."
    )

    def read():
        reply.refresh_from_db()
        return reply.delivery_status == D.READ

    wait_for(read)
    [sent] = loop.sent_to("+15551234567")
    assert reply.external_id == sent["sid"] and sent["body"] == "Sorry! A new one is on its way."
    assert reply.sent_at and reply.delivered_at and reply.read_at
    wait_for(lambda: len(loop.callbacks) == 3)  # the stand-in records the app's answer after the commit
    assert [c["app_status"] for c in loop.callbacks] == [204, 204, 204]


def test_a_retried_inbound_webhook_is_stored_once(loop):
    first = loop.customer_writes({"channel": "sms", "from": "+15557654321", "body": "Hello"})
    again = loop.customer_writes({"channel": "sms", "from": "+15557654321", "body": "Hello", "sid": first["sid"]})
    assert first["app_status"] == again["app_status"] == 200
    assert Message.objects.filter(external_id=first["sid"]).count() == 1


def test_whatsapp_and_sms_from_one_phone_reach_one_customer_and_replies_use_each_channel(loop):
    loop.customer_writes({"channel": "whatsapp", "from": "+15550001111", "body": "Hi on WhatsApp"})
    loop.customer_writes({"channel": "sms", "from": "+15550001111", "body": "And by text"})
    customer = Customer.objects.get()
    conversation = customer.conversations.get()
    assert conversation.last_inbound_channel == "sms"
    assert conversation.whatsapp_last_inbound_at <= timezone.now()
    message_append_outbound(conversation=conversation, channel="sms", text="Text back")
    message_append_outbound(conversation=conversation, channel="whatsapp", text="WhatsApp back")
    wait_for(lambda: len(loop.sent_to("+15550001111")) == 2)
    channels = sorted((m["channel"], m["body"]) for m in loop.sent_to("+15550001111"))
    assert channels == [("sms", "Text back"), ("whatsapp", "WhatsApp back")]


def test_an_undeliverable_number_ends_undelivered_with_the_code_shown(loop):
    loop.customer_writes({"channel": "sms", "from": "+15005550004", "body": "hello"})
    conversation = Customer.objects.get().conversations.get()
    reply = message_append_outbound(conversation=conversation, channel="sms", text="Hi")

    def undelivered():
        reply.refresh_from_db()
        return reply.delivery_status == D.UNDELIVERED

    wait_for(undelivered)
    assert reply.error_code == "30003" and "unreachable" in reply.error_message
