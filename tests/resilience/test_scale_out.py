"""Two daphne processes and two Celery workers on one PostgreSQL and one Redis, started like `make run`.

Realtime events reach an agent whichever web process they are connected to, and routing under
concurrent workers never gives a conversation twice nor pushes an agent over capacity.
"""

import asyncio
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.bench.stack import ROOT, running_stack

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
PUBLIC = "http://inbox.test"
TOKEN = "scale-out-test-token"
SETUP = """
import json
from django.contrib.sessions.backends.db import SessionStore
from inbox.models import Team
from tests.factories import AgentFactory, RoutingRuleFactory
team = Team.objects.create(name="Support")
agents = [AgentFactory(capacity=2) for _ in range(3)]
for agent in agents:
    agent.teams.add(team)
RoutingRuleFactory(name="SMS to Support", conditions=[{"field": "channel", "value": ["sms"]}],
                   actions={"owner": "team", "team_id": team.pk})
watcher = AgentFactory(role="admin", capacity=1, presence="offline").user
session = SessionStore()
session.update({"_auth_user_id": str(watcher.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": watcher.get_session_auth_hash()})
session.create()
print(json.dumps({"session": session.session_key, "agents": [a.user_id for a in agents]}))
"""
LOADS = """
import json
from django.db.models import Count
from inbox.models import Conversation, Message
ours = Conversation.objects.filter(customer__contact_points__address__startswith="+1555400")
rows = ours.values("assignee_id").annotate(n=Count("pk"))
events = Message.objects.filter(direction="event", metadata__kind="assignment", text__startswith="Assigned to")
per_conversation = events.values("conversation_id").annotate(n=Count("pk")).filter(n__gt=1).count()
print(json.dumps({"loads": {str(r["assignee_id"]): r["n"] for r in rows}, "assigned_twice": per_conversation}))
"""


def _shell(stack, code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=stack.env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _webhook(port: int, i: int) -> int:
    form = {"MessageSid": f"SMscale{i:025d}", "AccountSid": "AC" + "0" * 32, "From": f"+1555400{i:04d}",
            "To": "+15005550006", "Body": f"Scale question {i}", "NumMedia": "0"}  # fmt: skip
    path = "/webhooks/twilio/messages/"
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)
    url = f"http://127.0.0.1:{port}{path}"
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30).status_code


async def _events_on(port: int, session: str, expect: int, timeout: float = 30) -> int:
    """Count "message created" events one agent socket on this web process hears."""
    headers = {"Cookie": f"sessionid={session}", "Origin": "http://localhost"}
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"http://127.0.0.1:{port}/ws/inbox/", headers=headers) as ws,
    ):
        await asyncio.sleep(0.5)  # joined its groups
        heard, deadline = set(), time.monotonic() + timeout
        while len(heard) < expect and time.monotonic() < deadline:
            try:
                msg = await ws.receive(timeout=1)
            except TimeoutError:
                continue
            if msg.type == aiohttp.WSMsgType.TEXT:
                event = json.loads(msg.data)
                if event.get("type") == "message" and event.get("op") == "created":
                    heard.add(event["message_id"])
        return len(heard)


def test_two_web_processes_and_two_workers_share_events_and_assign_correctly(server_tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost,127.0.0.1,inbox.test")
    with running_stack(server_tmp_path / "var", web_processes=2, workers=2) as stack:
        setup = _shell(stack, SETUP)
        web0, web1 = stack.web_ports

        async def scenario():
            listener = asyncio.create_task(_events_on(web1, setup["session"], expect=12))
            await asyncio.sleep(1)
            with ThreadPoolExecutor(max_workers=6) as pool:  # customers write to web process 0 only
                answers = await asyncio.gather(
                    *(asyncio.get_running_loop().run_in_executor(pool, _webhook, web0, i) for i in range(12))
                )
            assert set(answers) == {200}, answers
            return await listener

        heard = asyncio.run(scenario())
        assert heard >= 12  # each customer's message reached the agent on the other web process

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = _shell(stack, LOADS)
            if sum(n for a, n in result["loads"].items() if a != "None") >= 6:
                break
            time.sleep(1)
        loads = {int(a): n for a, n in result["loads"].items() if a != "None"}
        assert set(loads) == set(setup["agents"]) and all(n == 2 for n in loads.values()), result
        assert result["loads"].get("None") == 6  # the rest wait in the team's queue
        assert result["assigned_twice"] == 0
