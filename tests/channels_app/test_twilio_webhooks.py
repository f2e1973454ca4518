"""Inbound WhatsApp/SMS webhooks: authenticated by signature, validated, stored exactly once."""

import logging
import threading

import pytest
from django.db import connection
from django.test import Client

from inbox.models import Attachment, ContactPoint, Conversation, Customer, Message
from tests.channels_app.twilio_helpers import PUBLIC, inbound_params, sign, twilio_post

INBOUND = "/webhooks/twilio/messages/"
pytestmark = pytest.mark.django_db


def test_a_signed_whatsapp_message_is_stored_on_the_customer(client, twilio_settings):
    params = inbound_params(body="Where is my order?", ProfileName="Sam Rivera")
    response = twilio_post(client, INBOUND, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    message = Message.objects.get()
    assert (message.channel, message.text) == ("whatsapp", "Where is my order?")
    assert message.external_id == params["MessageSid"]
    assert message.metadata["from"] == "+15551234567"
    assert message.conversation.customer.name == "Sam Rivera"
    assert message.conversation.whatsapp_last_inbound_at == message.created_at


def test_behind_a_tls_proxy_the_signature_is_checked_against_the_public_url(client, twilio_settings):
    """The request reaches us as http://testserver/..., Twilio signed https://inbox.example.com/..."""
    params = inbound_params()
    internal_url = "http://testserver" + INBOUND
    refused = twilio_post(client, INBOUND, params, signed_url=internal_url)
    assert refused.status_code == 403
    assert not Message.objects.exists()
    accepted = twilio_post(client, INBOUND, params, signed_url=PUBLIC + INBOUND)
    assert accepted.status_code == 200
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "headers, why",
    [
        ({}, "no X-Twilio-Signature header"),
        ({"HTTP_X_TWILIO_SIGNATURE": "bm90IGEgc2lnbmF0dXJl"}, "does not match"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused_logged_and_nothing_stored(
    client, twilio_settings, caplog, headers, why
):
    with caplog.at_level(logging.WARNING, logger="channels_app.twilio.webhooks"):
        response = client.post(INBOUND, inbound_params(), **headers)
    assert response.status_code == 403
    assert not Message.objects.exists() and not Customer.objects.exists()
    assert why in caplog.text


def test_a_signature_made_with_another_token_or_over_other_params_is_refused(client, twilio_settings):
    params = inbound_params()
    assert twilio_post(client, INBOUND, params, token="someone-elses-token").status_code == 403
    signature = sign(PUBLIC + INBOUND, params)
    tampered = client.post(INBOUND, {**params, "Body": "changed"}, HTTP_X_TWILIO_SIGNATURE=signature)
    assert tampered.status_code == 403
    assert not Message.objects.exists()


def test_get_is_not_allowed(client, twilio_settings):
    assert client.get(INBOUND).status_code == 405


@pytest.mark.parametrize(
    "params, reason",
    [
        (inbound_params(sid=""), "MessageSid is missing"),
        ({**inbound_params(), "From": ""}, "From is missing"),
        (inbound_params(sender="whatsapp:not-a-number"), "not a phone number"),
        (inbound_params(NumMedia="two"), "NumMedia is not a number"),
        (inbound_params(NumMedia="1"), "MediaUrl0 is missing"),
        (inbound_params(NumMedia="11"), "NumMedia must be between"),
    ],
)
def test_a_malformed_payload_is_a_400_with_the_reason_and_nothing_is_stored(client, twilio_settings, params, reason):
    response = twilio_post(client, INBOUND, params)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Message.objects.exists() and not Customer.objects.exists()


def test_a_twilio_retry_is_answered_200_and_stored_once(client, twilio_settings):
    params = inbound_params(body="Hello?")
    assert twilio_post(client, INBOUND, params).status_code == 200
    assert twilio_post(client, INBOUND, params).status_code == 200
    assert Message.objects.filter(external_id=params["MessageSid"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_message_sid_are_stored_once(twilio_settings):
    params = inbound_params(sid="SM" + "c" * 32, body="Same message, many deliveries")
    signature = sign(PUBLIC + INBOUND, params)
    workers = 6
    barrier = threading.Barrier(workers)
    statuses = []

    def deliver():
        try:
            barrier.wait()
            statuses.append(Client().post(INBOUND, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * workers
    assert Message.objects.filter(external_id=params["MessageSid"]).count() == 1
    assert Customer.objects.count() == 1 and Conversation.objects.count() == 1


def test_the_same_number_on_whatsapp_and_sms_is_one_customer_in_one_conversation(client, twilio_settings):
    twilio_post(client, INBOUND, inbound_params(sid="SM" + "1" * 32, sender="whatsapp:+15551234567", body="On WA"))
    twilio_post(client, INBOUND, inbound_params(sid="SM" + "2" * 32, sender="+1 (555) 123-4567", body="Now by SMS"))
    customer = Customer.objects.get()
    assert sorted(ContactPoint.objects.values_list("kind", "address")) == [
        ("phone", "+15551234567"),
        ("whatsapp", "+15551234567"),
    ]
    conversation = Conversation.objects.get(customer=customer)
    assert conversation.channels == ["whatsapp", "sms"]
    assert list(conversation.messages.values_list("channel", flat=True)) == ["whatsapp", "sms"]


def test_media_is_stored_pending_and_its_download_enqueued_after_commit(
    client, twilio_settings, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("channels_app.twilio.tasks.attachment_download.delay", queued.append)
    params = inbound_params(
        sid="MM" + "d" * 32,
        body="",
        NumMedia=2,
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
        MediaContentType1="application/pdf",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert twilio_post(client, INBOUND, params).status_code == 200
    attachments = list(Attachment.objects.order_by("pk"))
    assert [(a.state, a.content_type) for a in attachments] == [
        ("pending", "image/jpeg"),
        ("pending", "application/pdf"),
    ]
    assert sorted(queued) == [a.pk for a in attachments]
