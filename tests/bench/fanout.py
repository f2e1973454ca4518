"""Realtime fan-out: from an inbound message to its event on N agent sockets and the customer's widget.

Two probes per round, both entering through the public front door:
- a signed Twilio webhook (a WhatsApp message) -> its event on every agent socket;
- the customer typing in the widget (tab A) -> the event on every agent socket and on the
  customer's other widget tab (tab B), which is how a customer's own screens stay in sync.
Every socket has one reader task that stamps the first arrival of each message id, so a late
reader never inflates a latency. Sockets are spread over the web processes round-robin, so
events have to cross processes through Redis.
"""

import asyncio
import json
import secrets
import time

import aiohttp
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from twilio.request_validator import RequestValidator

from channels_app.widget.consumers import RATE_MESSAGES
from inbox.models import AgentProfile, Message
from inbox.progress import Progress
from tests.bench.report import percentiles
from tests.bench.stack import fd_limit_raise

WAIT_SECONDS = 10  # an event later than this counts as missed


def _agent_cookie() -> str:
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    AgentProfile.objects.get_or_create(user=user)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _message_id(sid: str) -> int | None:
    return Message.objects.filter(external_id=sid).values_list("pk", flat=True).first()


class Socket:
    """One websocket and the arrival time of every message event it has seen."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.arrivals: dict[int, float] = {}
        self.events: asyncio.Queue = asyncio.Queue()  # widget frames, for the hello handshake
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            event = json.loads(frame.data)
            if event.get("type") == "message":
                message_id = event.get("message_id") or (event.get("message") or {}).get("id")
                self.arrivals.setdefault(message_id, time.perf_counter())
            self.events.put_nowait(event)

    async def close(self) -> None:
        await self.ws.close()
        self.task.cancel()


async def _wait_for(sockets: list[Socket], message_id: int, started: float) -> tuple[list[float], int]:
    deadline = started + WAIT_SECONDS
    while time.perf_counter() < deadline and not all(message_id in s.arrivals or s.ws.closed for s in sockets):
        await asyncio.sleep(0.002)
    times = [(s.arrivals[message_id] - started) * 1000 for s in sockets if message_id in s.arrivals]
    return times, len(sockets) - len(times)


async def _widget_tab(http: aiohttp.ClientSession, port: int, token: str | None) -> tuple[Socket, dict]:
    tab = Socket(await http.ws_connect(f"http://127.0.0.1:{port}/ws/widget/", headers={"Origin": "http://localhost"}))
    await tab.ws.send_json({"action": "hello", "token": token})
    return tab, await asyncio.wait_for(tab.events.get(), 10)


async def _widget_send(tab: Socket, text: str) -> int:
    """The visitor types a message; its id once the server has stored it."""
    await tab.ws.send_json({"action": "send", "text": text, "client_id": secrets.token_hex(8)})
    while True:
        event = await asyncio.wait_for(tab.events.get(), 10)
        if event.get("type") == "sent":
            return event["message"]["id"]
        if event.get("type") == "error":
            raise RuntimeError(f"the widget refused a message: {event.get('reason')}")


async def _run(stack, sockets: int, rounds: int) -> tuple[dict, dict]:
    ports = stack.web_ports
    cookie = await sync_to_async(_agent_cookie)()
    headers = {"Cookie": cookie, "Origin": "http://localhost"}
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    path = reverse("twilio:inbound")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        connecting = Progress(f"connect {sockets}", sockets)
        agents = []
        for i in range(sockets):
            ws = await http.ws_connect(f"http://127.0.0.1:{ports[i % len(ports)]}/ws/inbox/", headers=headers)
            agents.append(Socket(ws))
            if (i + 1) % 50 == 0 or i + 1 == sockets:
                connecting.update(i + 1)
        # Two tabs of one visitor: A types, B must show it. The first message creates the conversation.
        tab_a, session = await _widget_tab(http, ports[-1], None)
        await _widget_send(tab_a, "hello, anyone there?")
        tab_b, _ = await _widget_tab(http, ports[-1], session["token"])
        sent_on_a = 1
        await asyncio.sleep(0.2)  # let group joins settle before the first probe
        agent_ms: list[float] = []
        widget_ms: list[float] = []
        missed = widget_missed = 0
        errors: list[str] = []
        probing = Progress(f"fan-out {sockets}", rounds)
        run = secrets.token_hex(3)
        for n in range(rounds):
            sid = f"SM{run}fan{n:023x}"
            form = {"MessageSid": sid, "AccountSid": settings.TWILIO_ACCOUNT_SID, "NumMedia": "0",
                    "From": f"whatsapp:+1555300{n % 10000:04d}", "To": f"whatsapp:{settings.TWILIO_WHATSAPP_FROM}",
                    "Body": "Fan-out probe"}  # fmt: skip
            signature = validator.compute_signature(settings.PUBLIC_BASE_URL + path, form)
            started = time.perf_counter()
            async with http.post(f"http://127.0.0.1:{ports[n % len(ports)]}{path}", data=form,
                                 headers={"X-Twilio-Signature": signature}) as response:  # fmt: skip
                if response.status != 200:
                    errors.append(f"webhook HTTP {response.status}")
            message_id = await sync_to_async(_message_id)(sid)
            times, lost = await _wait_for(agents, message_id, started) if message_id else ([], len(agents))
            agent_ms += times
            missed += lost

            if sent_on_a == RATE_MESSAGES - 1 or tab_a.ws.closed:  # the widget allows 10 messages per 10 s a socket
                await tab_a.close()
                tab_a, _ = await _widget_tab(http, ports[-1], session["token"])
                sent_on_a = 0
            started = time.perf_counter()
            try:
                message_id = await _widget_send(tab_a, f"probe {n}")
            except (aiohttp.ClientError, TimeoutError, RuntimeError) as exc:
                errors.append(f"widget send: {exc!r}"[:200])  # the server closed the tab: a missed round
                missed += len(agents)
                widget_missed += 1
                sent_on_a = RATE_MESSAGES - 1
                probing.advance()
                continue
            sent_on_a += 1
            await _wait_for([*agents, tab_b], message_id, started)
            arrived = [(a.arrivals[message_id] - started) * 1000 for a in agents if message_id in a.arrivals]
            agent_ms += arrived
            missed += len(agents) - len(arrived)
            if message_id in tab_b.arrivals:
                widget_ms.append((tab_b.arrivals[message_id] - started) * 1000)
            else:
                widget_missed += 1
            probing.advance()
        memory = stack.rss_mb()  # with every socket still open
        closed = sum(s.ws.closed for s in agents)
        for socket in [*agents, tab_a, tab_b]:
            await socket.close()
    agent = percentiles(agent_ms)
    widget = percentiles(widget_ms)
    return memory, {"sockets": sockets, "web_processes": len(ports), "p50": agent["p50"], "p95": agent["p95"],
            "p99": agent["p99"], "max": agent["max"], "missed": missed, "widget_p50": widget["p50"],
            "widget_p95": widget["p95"], "widget_max": widget["max"], "widget_missed": widget_missed,
            "closed_by_server": closed, "errors": len(errors), "error_kinds": sorted(set(errors))[:5]}  # fmt: skip


def run(stack, sizes: list[int], rounds: int) -> dict:
    fd_limit_raise(max(sizes) * 2 + 256)
    rows, memory = [], {}
    for sockets in sizes:
        memory[sockets], row = asyncio.run(_run(stack, sockets, rounds))
        rows.append(row)
    return {
        "title": "Realtime fan-out (ms from inbound message to its event on every agent socket and the widget)",
        "rows": rows,
        "memory_mb": memory,
        "chart": {
            "labels": [r["sockets"] for r in rows],
            "x": "connected agent sockets",
            "target": 100,
            "y": "ms",
            "datasets": [{"label": p, "data": [r[p] for r in rows]} for p in ("p50", "p95", "max", "widget_p95")],
        },
    }
