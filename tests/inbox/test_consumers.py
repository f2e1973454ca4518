import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from inbox.models import AgentProfile, Channel
from inbox.services import message_receive
from tests.factories import AgentFactory, UserFactory
from tests.helpers import run_async

pytestmark = pytest.mark.django_db(transaction=True)


def _session_headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()), (b"origin", b"http://localhost")]


def connect(headers):
    return run_async(_connect, headers)


async def _connect(headers):
    communicator = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
    connected, code = await communicator.connect()
    await communicator.disconnect()
    return connected, code


def test_anonymous_sockets_are_refused():
    assert connect([(b"origin", b"http://localhost")]) == (False, 4403)


def test_logged_in_non_agents_are_refused():
    assert connect(_session_headers(UserFactory())) == (False, 4403)


def test_sockets_from_foreign_origins_are_refused():
    headers = [h for h in _session_headers(AgentFactory().user) if h[0] != b"origin"]
    assert connect([*headers, (b"origin", b"https://evil.example")])[0] is False


def test_an_agent_sees_new_messages_live_and_can_watch_a_conversation():
    headers = _session_headers(AgentFactory().user)

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
        assert (await communicator.connect())[0]
        received = await database_sync_to_async(message_receive)(channel=Channel.SMS, address="+15551230000", text="Hi")
        events = [await communicator.receive_json_from(timeout=3) for _ in range(2)]
        await communicator.send_json_to({"action": "watch", "conversation_id": received.message.conversation_id})
        watching = await communicator.receive_json_from(timeout=3)
        await communicator.send_json_to({"action": "watch", "conversation_id": 999999})
        missing = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return received.message, events, watching, missing

    message, events, watching, missing = run_async(scenario)
    assert {"type": "message", "op": "created", "conversation_id": message.conversation_id,
            "message_id": message.pk} in events  # fmt: skip
    assert watching == {"type": "watching", "conversation_id": message.conversation_id}
    assert missing == {"type": "error", "reason": "no such conversation"}


def test_colleagues_see_who_is_replying_and_presence_follows_the_socket():
    ana = AgentFactory(user__username="ana", user__first_name="Ana", presence="offline").user
    ben = AgentFactory(user__username="ben", presence="offline").user
    conversation_id = message_receive(channel=Channel.SMS, address="+15551230000", text="Hi").message.conversation_id

    ana_headers, ben_headers = _session_headers(ana), _session_headers(ben)

    async def scenario():
        first = WebsocketCommunicator(application, "/ws/inbox/", headers=ana_headers)
        second = WebsocketCommunicator(application, "/ws/inbox/", headers=ben_headers)
        assert (await first.connect())[0] and (await second.connect())[0]
        for socket in (first, second):
            await socket.send_json_to({"action": "watch", "conversation_id": conversation_id})
        seen = []
        while not any(e.get("type") == "watching" for e in seen):
            seen.append(await second.receive_json_from(timeout=3))
        presence_online = await database_sync_to_async(lambda: AgentProfile.objects.get(user=ana).presence)()
        await first.send_json_to({"action": "typing", "conversation_id": conversation_id, "state": "start"})
        typing = None
        while typing is None:
            event = await second.receive_json_from(timeout=3)
            typing = event if event.get("type") == "typing" else None
        await first.send_json_to({"action": "presence", "presence": "away"})
        await first.send_json_to({"action": "typing", "conversation_id": 999999, "state": "start"})
        bad = None
        while bad is None:
            event = await first.receive_json_from(timeout=3)
            bad = event if event.get("type") == "error" else None
        presence_away = await database_sync_to_async(lambda: AgentProfile.objects.get(user=ana).presence)()
        await first.disconnect()
        await second.disconnect()
        return presence_online, typing, presence_away, bad

    presence_online, typing, presence_away, bad = run_async(scenario)
    assert presence_online == "online"
    assert typing == {"type": "typing", "op": "start", "conversation_id": conversation_id, "author": "agent",
                      "user_id": ana.pk, "name": "Ana"}  # fmt: skip
    assert presence_away == "away"
    assert bad["reason"] == "no such conversation"
    assert AgentProfile.objects.get(user=ana).presence == "offline"  # last socket closed


def test_opening_the_inbox_brings_an_offline_agent_online_even_after_a_crashed_web_process():
    from django.core.cache import cache

    from inbox.consumers import _sockets_key

    ana = AgentFactory(user__username="ana", presence="offline").user
    cache.set(_sockets_key(ana), 3)  # sockets of a killed web process: their disconnects never ran
    assert connect(_session_headers(ana))[0]
    cache.delete(_sockets_key(ana))
    assert AgentProfile.objects.get(user=ana).presence == "online"
