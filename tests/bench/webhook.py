"""Inbound Twilio webhook load: open loop at rising request rates, then count lost and duplicated messages.

Open loop: request i leaves at start + i / rate whether or not earlier ones were answered, so a
slow server shows up as latency (and a missed rate) instead of quietly slowing the client down.
Every request is signed as Twilio signs it, over PUBLIC_BASE_URL + path. The mix is 80 % new
messages, 10 % retries of an earlier MessageSid and 10 % delivery status callbacks.
"""

import asyncio
import random
import secrets
import time

import aiohttp
from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from twilio.request_validator import RequestValidator

from inbox.models import Channel, Message
from inbox.progress import Progress
from inbox.services import message_receive
from tests.bench.report import percentiles

OUTBOUND_SIDS = 200  # outbound messages the status callbacks refer to


def _outbound_sids(run: str) -> list[str]:
    """Outbound messages awaiting delivery reports, as an agent's replies would be."""
    conversation = message_receive(channel=Channel.SMS, address="+15559990000", text="bench").message.conversation
    sids = [f"SM{run}out{i:022x}" for i in range(OUTBOUND_SIDS)]
    Message.objects.bulk_create(
        Message(conversation=conversation, channel=Channel.SMS, direction=Message.Direction.OUTBOUND,
                author_kind=Message.Author.AGENT, text="reply", external_id=sid, delivery_status=Message.Delivery.SENT)
        for sid in sids
    )  # fmt: skip
    return sids


def _requests(run: str, count: int, outbound: list[str], rng: random.Random) -> tuple[list[tuple], set[str]]:
    """(path, form, signature) for each request, signed up front so the load loop only sends."""
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    inbound, status = reverse("twilio:inbound"), reverse("twilio:status")
    new_sids: list[str] = []
    forms: dict[str, dict] = {}
    prepared = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.1 and outbound:
            path = status
            form = {"MessageSid": rng.choice(outbound), "MessageStatus": rng.choice(["sent", "delivered", "read"]),
                    "AccountSid": settings.TWILIO_ACCOUNT_SID, "From": settings.TWILIO_SMS_FROM,
                    "To": "+15559990000"}  # fmt: skip
        elif roll < 0.2 and new_sids:
            path, form = inbound, forms[rng.choice(new_sids)]  # Twilio retrying a delivery: the same request again
        else:
            sid = f"SM{run}{i:026x}"
            new_sids.append(sid)
            whatsapp = i % 2 == 0
            prefix = "whatsapp:" if whatsapp else ""
            ours = settings.TWILIO_WHATSAPP_FROM if whatsapp else settings.TWILIO_SMS_FROM
            path = inbound
            form = forms[sid] = {"MessageSid": sid, "AccountSid": settings.TWILIO_ACCOUNT_SID, "NumMedia": "0",
                                 "From": f"{prefix}+1555{rng.randint(0, 999_999):07d}", "To": f"{prefix}{ours}",
                                 "Body": f"Where is my order {rng.randint(10000, 99999)}?"}  # fmt: skip
        prepared.append((path, form, validator.compute_signature(settings.PUBLIC_BASE_URL + path, form)))
    return prepared, set(new_sids)


async def _load(ports: list[int], prepared: list[tuple], rate: int) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    progress = Progress(f"webhooks {rate}/s", len(prepared))

    async def one(http: aiohttp.ClientSession, i: int) -> None:
        path, form, signature = prepared[i]
        port = ports[i % len(ports)]
        started = time.perf_counter()
        try:
            async with http.post(f"http://127.0.0.1:{port}{path}", data=form,
                                 headers={"X-Twilio-Signature": signature}) as response:  # fmt: skip
                await response.read()
                if response.status not in (200, 204):
                    errors[f"HTTP {response.status}"] = errors.get(f"HTTP {response.status}", 0) + 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        else:
            latencies.append((time.perf_counter() - started) * 1000)
        progress.advance()

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as http:
        tasks = []
        start = time.perf_counter()
        for i in range(len(prepared)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(http, i)))
        sent_for = time.perf_counter() - start
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    stats = percentiles(latencies)
    return {"target_rate": rate, "achieved_rate": round(len(prepared) / max(sent_for, elapsed), 1),
            "requests": len(prepared), "errors": sum(errors.values()), "error_kinds": errors,
            **{k: stats[k] for k in ("p50", "p95", "p99", "max")}}  # fmt: skip


def _stored(sids: set[str]) -> tuple[int, int]:
    """(lost, duplicated): new MessageSids sent but not stored, and stored more than once."""
    counts = dict(
        Message.objects.filter(external_id__in=sids, direction=Message.Direction.INBOUND)
        .values_list("external_id")
        .annotate(n=Count("pk"))
        .values_list("external_id", "n")
    )
    return len(sids - counts.keys()), sum(n - 1 for n in counts.values() if n > 1)


def run(stack, rates: list[int], seconds: float) -> dict:
    rng = random.Random(11)
    warm, _ = _requests(secrets.token_hex(3), 20, [], rng)
    asyncio.run(_load(stack.web_ports, warm, 20))  # first requests pay for imports and connections: not measured
    rows = []
    for rate in rates:
        run_id = secrets.token_hex(3)
        outbound = _outbound_sids(run_id)
        prepared, sids = _requests(run_id, int(rate * seconds), outbound, rng)
        row = asyncio.run(_load(stack.web_ports, prepared, rate))
        time.sleep(0.5)  # answers are sent after commit; nothing should still be in flight, but be fair
        row["lost"], row["duplicated"] = _stored(sids)
        rows.append(row)
    return {
        "title": "Twilio inbound webhook, open loop (ms from request to answer; lost = new MessageSids never stored, "
        "a 5xx counts although Twilio would retry it; duplicated = stored twice)",
        "rows": rows,
        "chart": {"target": 50, "labels": [r["target_rate"] for r in rows], "x": "requests per second (offered)",
                  "y": "ms",
                  "datasets": [{"label": p, "data": [r[p] for r in rows]} for p in ("p50", "p95", "p99")]},
    }  # fmt: skip
