"""Inbound Twilio webhooks at rising request rates, open loop, then a count of what was stored.

Each step sends for a fixed time at a fixed rate whatever the server does (latency is measured
from when a request was due, so queueing shows). The mix is what Twilio sends: new messages,
retries of a MessageSid already sent, and status callbacks for our outbound messages in any order.
All requests are signed beforehand with the RequestValidator scheme, as Twilio signs them.
"""

import asyncio
import random
import secrets
import time

import aiohttp
from django.conf import settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from inbox.models import Channel, Conversation, Customer, Message
from inbox.progress import Progress
from tests.bench.report import percentiles

STATUSES = ["sent", "delivered", "read"]


def _outbound(count: int, run: str) -> list[str]:
    """Outbound WhatsApp messages already handed to Twilio, for status callbacks to move."""
    customer = Customer.objects.create(name=f"Bench status {run}")
    conversation = Conversation.objects.create(customer=customer, channels=[Channel.WHATSAPP])
    sids = [f"SMout{run}{i:024x}" for i in range(count)]
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            channel=Channel.WHATSAPP,
            direction=Message.Direction.OUTBOUND,
            author_kind=Message.Author.AGENT,
            text="Status target",
            external_id=sid,
            delivery_status=Message.Delivery.QUEUED,
        )
        for sid in sids
    )
    return sids


def _requests(rate: int, seconds: float, run: str, outbound: list[str]) -> tuple[list[tuple], set[str]]:
    """(path, form, headers) for each request of a step, and the MessageSids of inbound messages."""
    inbound_path, status_path = reverse("twilio:inbound"), reverse("twilio:status")
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    rng = random.Random(run)
    planned, sids = [], []
    for i in range(int(rate * seconds)):
        roll = rng.random()
        if roll < 0.1 and outbound:
            sid = rng.choice(outbound)
            form = {
                "MessageSid": sid,
                "MessageStatus": rng.choice(STATUSES),
                "AccountSid": settings.TWILIO_ACCOUNT_SID,
                "From": f"whatsapp:{settings.TWILIO_WHATSAPP_FROM}",
                "To": "whatsapp:+15557000000",
            }
            path = status_path
        else:
            if roll < 0.2 and sids:
                sid = rng.choice(sids)  # Twilio retrying a delivery it thinks failed
            else:
                sid = f"SM{run}{i:026x}"
                sids.append(sid)
            whatsapp = int(sid[-6:], 16) % 2 == 0
            prefix = "whatsapp:" if whatsapp else ""
            ours = settings.TWILIO_WHATSAPP_FROM if whatsapp else settings.TWILIO_SMS_FROM
            form = {
                "MessageSid": sid,
                "AccountSid": settings.TWILIO_ACCOUNT_SID,
                "From": f"{prefix}+1555{int(sid[-6:], 16) % 500:07d}",
                "To": f"{prefix}{ours}",
                "Body": f"Order question {sid[-6:]}",
                "NumMedia": "0",
            }
            path = inbound_path
        signature = validator.compute_signature(settings.PUBLIC_BASE_URL + path, form)
        planned.append((path, form, {"X-Twilio-Signature": signature}))
    return planned, set(sids)


async def _step(ports: list[int], planned: list[tuple], rate: int) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    accepted: set[str] = set()
    progress = Progress(f"webhooks {rate}/s", len(planned))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def send(i: int, due: float, path: str, form: dict, headers: dict) -> None:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            url = f"http://127.0.0.1:{ports[i % len(ports)]}{path}"
            try:
                async with http.post(url, data=form, headers=headers, timeout=aiohttp.ClientTimeout(total=30)) as r:
                    await r.read()
                    status = r.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = type(exc).__name__
            latencies.append((time.perf_counter() - due) * 1000)
            if 200 <= status < 300 if isinstance(status, int) else False:
                if "From" in form:
                    accepted.add(form["MessageSid"])
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
            progress.advance()

        start = time.perf_counter() + 0.2
        began = time.perf_counter()
        await asyncio.gather(
            *(send(i, start + i / rate, *request) for i, request in enumerate(planned)),
        )
        elapsed = time.perf_counter() - began
    return {
        "rate": rate,
        "achieved": round(len(planned) / elapsed, 1),
        "requests": len(planned),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "accepted": accepted,
        **{k: v for k, v in percentiles(latencies).items() if k != "n"},
    }


def _stored(sids: set[str]) -> list[str]:
    """The MessageSid of every stored inbound row among these (a duplicate shows twice)."""
    return list(
        Message.objects.filter(direction=Message.Direction.INBOUND, external_id__in=sids).values_list(
            "external_id", flat=True
        )
    )


def run(stack, rates: list[int], seconds: float) -> dict:
    run_id = secrets.token_hex(3)
    outbound = _outbound(200, run_id)
    warmup, _ = _requests(10, 4, f"{run_id}w", outbound)  # first requests load code in each process
    asyncio.run(_step(stack.web_ports, warmup, 10))
    rows = []
    for n, rate in enumerate(rates):
        planned, sids = _requests(rate, seconds, f"{run_id}{n}", outbound)
        row = asyncio.run(_step(stack.web_ports, planned, rate))
        time.sleep(1)  # the last requests' transactions commit
        accepted = row.pop("accepted")
        stored = _stored(sids)
        row["lost"] = len(accepted - set(stored))  # acknowledged to Twilio but not stored
        row["duplicated"] = len(stored) - len(set(stored))
        row["not_acked"] = len(sids - accepted)  # Twilio would retry these
        if not row["error_kinds"]:
            row.pop("error_kinds")
        rows.append(row)
    return {
        "title": "Inbound Twilio webhooks at rising rates (ack ms from when each request was due; 2 web processes)",
        "rows": rows,
        "chart": {
            "type": "line",
            "labels": [r["rate"] for r in rows],
            "x": "requests per second offered",
            "y": "ack ms",
            "datasets": [{"label": p, "data": [r[p] for r in rows]} for p in ("p50", "p95", "p99")],
        },
    }
