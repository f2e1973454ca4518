"""The agent socket only delivers events about conversations the agent may see (real Redis layer)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from inbox.models import AgentProfile
from inbox.services import conversation_assign, conversation_set_status
from inbox.services.agents import agent_presence_set
from tests.factories import AgentFactory, ConversationFactory, TeamFactory
from tests.helpers import run_async
from tests.inbox.test_consumers import _session_headers, connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    billing, sales = TeamFactory(name="Billing"), TeamFactory(name="Sales")
    ana = AgentFactory(user__username="ana")
    ana.teams.add(billing)
    bob = AgentFactory(user__username="bob")
    bob.teams.add(sales)
    admin = AgentFactory(user__username="root", role=AgentProfile.Role.ADMIN)
    sentinel = AgentFactory(user__username="zed")
    return {
        "billing": billing,
        "sales": sales,
        "ana": ana.user,
        "bob": bob.user,
        "admin": admin.user,
        "sentinel": sentinel.user,
        "c_billing": ConversationFactory(team=billing),
        "c_sales": ConversationFactory(team=sales),
        "c_none": ConversationFactory(),
    }


async def _until_sentinel(communicator, sentinel_id: int) -> list[dict]:
    """Everything the socket got up to the sentinel event (a presence change every agent hears)."""
    events = []
    while True:
        event = await communicator.receive_json_from(timeout=5)
        if event.get("type") == "agent" and event.get("user_id") == sentinel_id:
            return events
        events.append(event)


def _sentinel_toggle(user) -> None:
    current = AgentProfile.objects.get(user=user).presence
    agent_presence_set(user=user, presence="away" if current != "away" else "offline")


def _status_events_seen(world, changes) -> dict[str, set[int]]:
    """Connect ana, bob and the admin; run ``changes``; return which conversations each heard about."""
    names = ["ana", "bob", "admin"]
    headers = {name: _session_headers(world[name]) for name in names}

    async def scenario():
        sockets = {name: WebsocketCommunicator(application, "/ws/inbox/", headers=headers[name]) for name in names}
        for socket in sockets.values():
            assert (await socket.connect())[0]
        await database_sync_to_async(changes)()
        await database_sync_to_async(_sentinel_toggle)(world["sentinel"])
        seen = {name: await _until_sentinel(socket, world["sentinel"].pk) for name, socket in sockets.items()}
        for socket in sockets.values():
            await socket.disconnect()
        return seen

    seen = run_async(scenario)
    return {name: {e["conversation_id"] for e in events if "conversation_id" in e} for name, events in seen.items()}


def _resolve_all(world):
    def changes():
        for key in ("c_billing", "c_sales", "c_none"):
            conversation_set_status(conversation=world[key], status="resolved")

    return changes


def test_agents_hear_only_about_their_teams_and_unteamed_conversations_admins_about_all(world):
    seen = _status_events_seen(world, _resolve_all(world))
    ids = {key: world[key].pk for key in ("c_billing", "c_sales", "c_none")}
    assert seen["ana"] == {ids["c_billing"], ids["c_none"]}
    assert seen["bob"] == {ids["c_sales"], ids["c_none"]}
    assert seen["admin"] == set(ids.values())


def test_a_conversation_moved_to_another_team_is_heard_by_both_teams_once(world):
    def move():
        conversation_assign(conversation=world["c_billing"], owner="unassigned", team=world["sales"])

    seen = _status_events_seen(world, move)
    assert world["c_billing"].pk in seen["ana"], "Billing hears it left their queue"
    assert world["c_billing"].pk in seen["bob"], "Sales hears it arrived"

    def change_again():
        conversation_set_status(conversation=world["c_billing"], status="pending")

    seen = _status_events_seen(world, change_again)
    assert world["c_billing"].pk not in seen["ana"] and world["c_billing"].pk in seen["bob"]


def test_an_agent_hears_about_a_conversation_assigned_to_them_in_another_team(world):
    def assign():
        conversation_assign(conversation=world["c_sales"], owner="human", assignee=world["ana"])
        conversation_set_status(conversation=world["c_sales"], status="pending")

    seen = _status_events_seen(world, assign)
    assert world["c_sales"].pk in seen["ana"]


def test_with_the_shared_queue_setting_every_agent_hears_everything(world, settings):
    settings.INBOX_TEAM_VISIBILITY = "all"
    seen = _status_events_seen(world, _resolve_all(world))
    assert world["c_sales"].pk in seen["ana"] and world["c_billing"].pk in seen["bob"]


def test_watching_or_typing_in_another_teams_conversation_is_refused(world):
    headers = _session_headers(world["ana"])
    other, own = world["c_sales"].pk, world["c_billing"].pk

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
        assert (await socket.connect())[0]
        answers = []
        for payload in (
            {"action": "watch", "conversation_id": other},
            {"action": "typing", "conversation_id": other, "state": "start"},
            {"action": "watch", "conversation_id": own},
        ):
            await socket.send_json_to(payload)
            answers.append(await socket.receive_json_from(timeout=3))
        await socket.disconnect()
        return answers

    watch_other, typing_other, watch_own = run_async(scenario)
    assert watch_other == {"type": "error", "reason": "this conversation belongs to another team's queue"}
    assert typing_other == {"type": "error", "reason": "this conversation belongs to another team's queue"}
    assert watch_own == {"type": "watching", "conversation_id": own}


def test_anonymous_sockets_are_still_refused():
    assert connect([(b"origin", b"http://localhost")]) == (False, 4403)


def test_the_copilot_socket_refuses_another_teams_conversation(world):
    headers = _session_headers(world["ana"])

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/copilot/", headers=headers)
        assert (await socket.connect())[0]
        await socket.send_json_to({"action": "draft", "conversation_id": world["c_sales"].pk})
        answer = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return answer

    assert run_async(scenario) == {"type": "error", "reason": "no such conversation"}
