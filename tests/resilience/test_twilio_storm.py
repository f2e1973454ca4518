"""A Twilio retry storm against a real daphne: duplicates in flight at once, callbacks out of order."""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from twilio.request_validator import RequestValidator

from inbox.models import Channel, Message
from inbox.services import message_append_outbound, message_receive

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]

ORDER = ["queued", "sent", "delivered", "read"]


def _post(url: str, path: str, form: dict) -> int:
    # The live server signs and checks against its PUBLIC_BASE_URL, which is its own address.
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url + path, form)
    return requests.post(url + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=30).status_code


def test_duplicated_messages_are_stored_once_and_shuffled_statuses_never_go_back(live_server_url):
    rng = random.Random(8)
    inbound = [
        {"MessageSid": f"SMstorm{i:026d}", "AccountSid": settings.TWILIO_ACCOUNT_SID,
         "From": f"whatsapp:+1555800{i % 7:04d}", "To": f"whatsapp:{settings.TWILIO_WHATSAPP_FROM}",
         "Body": f"Storm message {i}", "NumMedia": "0"}
        for i in range(40)
    ]  # fmt: skip
    conversation = message_receive(channel=Channel.WHATSAPP, address="+15558009999", text="hi").message.conversation
    outbound = []
    for i in range(10):
        message = message_append_outbound(conversation=conversation, channel=Channel.WHATSAPP, text=f"reply {i}")
        Message.objects.filter(pk=message.pk).update(external_id=f"SMreply{i:024d}", delivery_status="queued")
        outbound.append(f"SMreply{i:024d}")
    callbacks = [
        {"MessageSid": sid, "MessageStatus": status, "AccountSid": settings.TWILIO_ACCOUNT_SID,
         "From": f"whatsapp:{settings.TWILIO_WHATSAPP_FROM}", "To": "whatsapp:+15558009999"}
        for sid in outbound
        for status in ORDER[1:]
        for _ in range(2)  # Twilio retries callbacks too
    ]  # fmt: skip
    requests_to_send = [("/webhooks/twilio/messages/", form) for form in inbound for _ in range(3)]
    requests_to_send += [("/webhooks/twilio/status/", form) for form in callbacks]
    rng.shuffle(requests_to_send)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda r: _post(live_server_url, *r), requests_to_send))

    assert set(answers) <= {200, 204}, answers
    stored = list(Message.objects.filter(external_id__startswith="SMstorm").values_list("external_id", flat=True))
    assert sorted(stored) == sorted(form["MessageSid"] for form in inbound)  # each exactly once
    # Whatever order the callbacks came in, every reply ends at the furthest status: read.
    finals = dict(Message.objects.filter(external_id__in=outbound).values_list("external_id", "delivery_status"))
    assert set(finals.values()) == {"read"}, finals
