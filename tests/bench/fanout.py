"""Realtime fan-out: from an inbound message to its event on N connected agent sockets."""

import asyncio
import json
import time

import aiohttp
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore

from inbox.models import AgentProfile, Channel
from inbox.progress import Progress
from inbox.services import message_receive
from tests.bench.report import percentiles


def _agent_cookie() -> str:
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    AgentProfile.objects.get_or_create(user=user)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def _run(ports: list[int], sockets: int, messages: int) -> dict:
    cookie = await sync_to_async(_agent_cookie)()
    headers = {"Cookie": cookie, "Origin": "http://localhost"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        connecting = Progress(f"connect {sockets}", sockets)
        connections = []
        for i in range(sockets):
            port = ports[i % len(ports)]
            connections.append(await http.ws_connect(f"http://127.0.0.1:{port}/ws/inbox/", headers=headers))
            if (i + 1) % 50 == 0 or i + 1 == sockets:
                connecting.update(i + 1)
        probing = Progress(f"fan-out {sockets}", messages)
        latencies: list[float] = []
        missed = 0
        for n in range(messages):

            async def arrival(ws, marker: str) -> float | None:
                deadline = time.time() + 10
                while time.time() < deadline:
                    msg = await ws.receive(timeout=max(0.01, deadline - time.time()))
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        return None
                    event = json.loads(msg.data)
                    if event.get("type") == "message" and event.get("message_id") == marker:
                        return time.time()
                return None

            started = time.time()
            received = await sync_to_async(message_receive)(
                channel=Channel.SMS, address=f"+1555300{n % 10000:04d}", text="Fan-out probe"
            )
            # The event may land before message_receive returns; sockets buffer it.
            arrivals = await asyncio.gather(*(arrival(ws, received.message.pk) for ws in connections))
            latencies += [(a - started) * 1000 for a in arrivals if a is not None]
            missed += sum(a is None for a in arrivals)
            probing.advance()
        for ws in connections:
            await ws.close()
    return {"sockets": sockets, "web_processes": len(ports), "missed": missed, **percentiles(latencies)}


def run(stack, sizes: list[int], messages: int) -> dict:
    rows, memory = [], {}
    for sockets in sizes:
        rows.append(asyncio.run(_run(stack.web_ports, sockets, messages)))
        memory[sockets] = stack.rss_mb()
    return {
        "title": "Realtime fan-out (ms from inbound message to the event on every agent socket)",
        "rows": rows,
        "memory_mb": memory,
        "chart": {
            "type": "line",
            "labels": [r["sockets"] for r in rows],
            "x": "connected agent sockets",
            "y": "ms",
            "datasets": [{"label": p, "data": [r[p] for r in rows]} for p in ("p50", "p95", "p99")],
        },
    }
