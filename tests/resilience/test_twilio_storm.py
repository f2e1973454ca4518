"""Twilio retry storm against a live daphne: duplicated MessageSids posted concurrently and
status callbacks in shuffled order → every message stored exactly once, statuses never regress."""

import random
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from inbox.models import Message
from tests.channels_app.twilio_helpers import inbound_params, sign
from tests.factories import MessageFactory

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
D = Message.Delivery
INBOUND = "/webhooks/twilio/messages/"
STATUS = "/webhooks/twilio/status/"


def post(base: str, path: str, params: dict, *, signature: str | None = None) -> int:
    url = base + path
    data = urllib.parse.urlencode(params).encode()
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(url, params)}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 - a local http URL
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def storm(base: str, requests: list[tuple[str, dict]], *, threads: int = 8) -> list[int]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda r: post(base, *r), requests))


def test_duplicated_message_sids_sent_concurrently_are_stored_once(live_web, transactional_db):
    rng = random.Random(8)
    senders = [f"whatsapp:+1555000{i:04d}" for i in range(6)] + [f"+1555100{i:04d}" for i in range(4)]
    originals = [
        inbound_params(sid=f"SM{n:032x}", sender=rng.choice(senders), body=f"storm message {n}") for n in range(40)
    ]
    # Twilio retries when an ack is slow: every message arrives 1-4 times, in any order, at once.
    requests = [(INBOUND, params) for params in originals for _ in range(rng.randint(1, 4))]
    rng.shuffle(requests)

    codes = storm(live_web.url, requests)

    assert set(codes) == {200}, f"a retry was refused: {sorted(set(codes))}"
    stored = Message.objects.filter(external_id__in=[p["MessageSid"] for p in originals])
    assert stored.count() == len(originals)
    assert sorted(stored.values_list("text", flat=True)) == sorted(p["Body"] for p in originals)
    # Concurrent first messages from one new number still give that customer one conversation.
    per_sender = {}
    for message in stored.select_related("conversation"):
        per_sender.setdefault(message.metadata["from"], set()).add(message.conversation.customer_id)
    assert all(len(customers) == 1 for customers in per_sender.values()), per_sender


def callback(sid: str, status: str) -> dict:
    return {
        "MessageSid": sid,
        "MessageStatus": status,
        "From": "whatsapp:+14155238886",
        "To": "whatsapp:+15551234567",
        "AccountSid": "AC" + "1" * 32,
    }


def test_shuffled_duplicated_status_callbacks_never_regress(live_web, transactional_db):
    rng = random.Random(9)
    messages = [
        MessageFactory(
            channel="whatsapp",
            direction=Message.Direction.OUTBOUND,
            author_kind=Message.Author.AGENT,
            external_id=f"SM{n + 10_000:032x}",
            delivery_status=D.QUEUED,
        )
        for n in range(25)
    ]
    finals = {m.external_id: rng.choice(["delivered", "read"]) for m in messages}
    ladder = ["queued", "sent", "delivered", "read"]
    requests = []
    for sid, final in finals.items():
        steps = ladder[: ladder.index(final) + 1]
        requests += [(STATUS, callback(sid, status)) for status in steps for _ in range(rng.randint(1, 3))]
    rng.shuffle(requests)

    codes = storm(live_web.url, requests)

    assert set(codes) == {204}
    for message in Message.objects.filter(pk__in=[m.pk for m in messages]):
        assert message.delivery_status == finals[message.external_id], message.external_id
        assert message.sent_at and message.delivered_at
        assert bool(message.read_at) == (finals[message.external_id] == "read")


def test_forged_and_missing_signatures_are_refused_and_nothing_is_stored(live_web, transactional_db):
    params = inbound_params(sid="SM" + "f" * 32, body="forged")
    forged = sign(live_web.url + INBOUND, params, token="not-the-token")
    assert post(live_web.url, INBOUND, params, signature=forged) == 403
    assert post(live_web.url, INBOUND, params, signature="") == 403
    # A valid signature over different parameters does not cover a tampered body.
    tampered = params | {"Body": "tampered"}
    assert post(live_web.url, INBOUND, tampered, signature=sign(live_web.url + INBOUND, params)) == 403
    assert not Message.objects.filter(external_id=params["MessageSid"]).exists()
