"""One visitor can never read, mark or write another visitor's conversation; anonymous sockets are refused."""

import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from inbox.models import Message
from tests.channels_app.widget.helpers import receive_type, run_async, widget_connect
from tests.channels_app.widget.test_consumers import agent_reply

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]


def _send(text: str) -> dict:
    return {"action": "send", "text": text, "client_id": uuid.uuid4().hex}


@database_sync_to_async
def _conversation_of(message_id: int) -> int:
    return Message.objects.get(pk=message_id).conversation_id


@database_sync_to_async
def _status(message_id: int) -> str:
    return Message.objects.get(pk=message_id).delivery_status


def test_a_visitor_sees_and_touches_only_their_own_conversation():
    async def scenario():
        alice, alice_session = await widget_connect()
        await alice.send_json_to(_send("Alice's private order question"))
        alice_conversation = await _conversation_of((await receive_type(alice, "sent"))["message"]["id"])
        bob, bob_session = await widget_connect()
        await bob.send_json_to(_send("Bob here"))
        await receive_type(bob, "sent")

        reply = await agent_reply(alice_conversation, "Alice, your order ships today")
        assert (await receive_type(alice, "message"))["message"]["text"] == "Alice, your order ships today"
        assert await bob.receive_nothing(timeout=0.5)  # Bob hears nothing of Alice's conversation

        # Bob tries to mark Alice's reply read, and to resume with a token that is not his.
        await bob.send_json_to({"action": "seen", "message_ids": [reply.pk]})
        await bob.receive_nothing(timeout=0.3)
        assert await _status(reply.pk) != Message.Delivery.READ
        forged = alice_session["token"][:-2] + ("AA" if not alice_session["token"].endswith("AA") else "BB")
        mallory, refused = await widget_connect(token=forged)
        assert refused == {"type": "error", "reason": "invalid token"}
        await mallory.disconnect()
        # Bob's own resume never shows Alice's messages.
        again, resumed = await widget_connect(token=bob_session["token"])
        assert [m["text"] for m in resumed["messages"]] == ["Bob here"]
        for socket in (alice, bob, again):
            await socket.disconnect()

    run_async(scenario)


@pytest.mark.parametrize("path", ["/ws/inbox/", "/ws/copilot/"])
def test_anonymous_agent_sockets_are_refused(path):
    async def scenario():
        socket = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost")])
        connected, _ = await socket.connect()
        await socket.disconnect()  # as a server would: a refused consumer must not outlive its loop
        assert not connected

    run_async(scenario)
