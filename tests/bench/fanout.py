"""Realtime fan-out: from a visitor's chat message to its event on N agent sockets and the visitor's
other tab."""

import asyncio
import json
import secrets
import time

import aiohttp
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore

from inbox.models import AgentProfile
from inbox.progress import Progress
from tests.bench.report import percentiles

# The widget allows 10 messages per 10 s per socket; probes keep under it.
RATE_GAP = 1.05


def _agent_cookie() -> str:
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    AgentProfile.objects.get_or_create(user=user)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def _receive(ws, matches, deadline: float) -> float | None:
    """When the first frame for which ``matches(frame)`` holds arrives on ``ws`` (None: never)."""
    while time.time() < deadline:
        try:
            msg = await ws.receive(timeout=max(0.01, deadline - time.time()))
        except TimeoutError:
            return None
        if msg.type != aiohttp.WSMsgType.TEXT:
            return None
        if matches(json.loads(msg.data)):
            return time.time()
    return None


async def _run(ports: list[int], sockets: int, messages: int) -> dict:
    """A visitor writes in the chat widget (web process 0); the message must reach every agent
    socket (spread over all web processes) and the visitor's other open tab (the last process)."""
    cookie = await sync_to_async(_agent_cookie)()
    headers = {"Cookie": cookie, "Origin": "http://localhost"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        connecting = Progress(f"connect {sockets}", sockets)
        agents = []
        for i in range(sockets):
            port = ports[i % len(ports)]
            agents.append(await http.ws_connect(f"http://127.0.0.1:{port}/ws/inbox/", headers=headers))
            if (i + 1) % 50 == 0 or i + 1 == sockets:
                connecting.update(i + 1)
        widget_url = "http://127.0.0.1:{}/ws/widget/"
        tab = await http.ws_connect(widget_url.format(ports[0]), headers={"Origin": "http://localhost"})
        await tab.send_json({"action": "hello", "token": None})
        token = (await tab.receive_json())["token"]
        await tab.send_json({"action": "send", "text": "Hello, a question", "client_id": secrets.token_hex(8)})
        await tab.receive_json(timeout=10)  # "sent": the conversation exists
        other_tab = await http.ws_connect(widget_url.format(ports[-1]), headers={"Origin": "http://localhost"})
        await other_tab.send_json({"action": "hello", "token": token})
        await other_tab.receive_json(timeout=10)  # the session: it now follows the conversation
        await asyncio.sleep(0.5)  # the first message's events drain

        probing = Progress(f"fan-out {sockets}", messages)
        agent_ms: list[float] = []
        widget_ms: list[float] = []
        missed = widget_missed = 0
        for n in range(messages):
            text = f"Fan-out probe {n}"
            deadline = time.time() + 10
            probe: dict = {}  # the probe's message id, once the widget acknowledges it

            async def agent_arrival(ws, probe=probe, deadline=deadline) -> float | None:
                # Other events of the conversation (routing notes) also arrive: wait for the probe's id.
                seen: dict = {}
                while time.time() < deadline:
                    if probe.get("id") in seen:
                        return seen[probe["id"]]
                    try:
                        msg = await ws.receive(timeout=0.05)
                    except TimeoutError:
                        continue
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        return None
                    event = json.loads(msg.data)
                    if event.get("type") == "message" and event.get("op") == "created":
                        seen[event.get("message_id")] = time.time()
                return None

            def ours(e: dict, text: str = text) -> bool:
                return e.get("type") == "message" and e["message"].get("text") == text

            async def acknowledged(probe=probe) -> None:
                while True:
                    frame = await tab.receive_json(timeout=10)
                    if frame.get("type") == "sent":
                        probe["id"] = frame["message"]["id"]
                        return

            started = time.time()
            await tab.send_json({"action": "send", "text": text, "client_id": secrets.token_hex(8)})
            *arrivals, tab_arrival, _ = await asyncio.gather(
                *(agent_arrival(ws) for ws in agents), _receive(other_tab, ours, deadline), acknowledged()
            )
            agent_ms += [(a - started) * 1000 for a in arrivals if a is not None]
            missed += sum(a is None for a in arrivals)
            if tab_arrival is None:
                widget_missed += 1
            else:
                widget_ms.append((tab_arrival - started) * 1000)
            probing.advance()
            await asyncio.sleep(max(0.0, RATE_GAP - (time.time() - started)))
        for ws in [*agents, tab, other_tab]:
            await ws.close()
    widget = percentiles(widget_ms)
    return {
        "sockets": sockets,
        "web_processes": len(ports),
        "missed": missed,
        **{k: v for k, v in percentiles(agent_ms).items() if k != "mean"},
        "widget_p50": widget["p50"],
        "widget_p95": widget["p95"],
        "widget_missed": widget_missed,
    }


def run(stack, sizes: list[int], messages: int) -> dict:
    rows, memory = [], {}
    for sockets in sizes:
        rows.append(asyncio.run(_run(stack.web_ports, sockets, messages)))
        memory[sockets] = stack.rss_mb()
    return {
        "title": "Realtime fan-out (ms from a widget chat message to every agent socket and the visitor's other tab)",
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
