import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.test import override_settings

from channels_app.widget.tokens import identity_hash
from config.asgi import application
from inbox.events import conversation_group
from inbox.models import Channel, ContactPoint, Conversation, Message
from inbox.services import message_append_outbound, message_receive
from tests.channels_app.widget.helpers import receive_type, run_async, widget_connect
from tests.factories import AgentFactory, ContactPointFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "host-site-secret"


def _send(text: str, client_id: str | None = None) -> dict:
    return {"action": "send", "text": text, "client_id": client_id or uuid.uuid4().hex}


@database_sync_to_async
def agent_reply(conversation_id: int, text: str) -> Message:
    """An agent's reply; the delivery task hands it to the chat sender once it commits."""
    message = message_append_outbound(
        conversation=Conversation.objects.get(pk=conversation_id), channel=Channel.CHAT, text=text
    )
    message.refresh_from_db()
    return message


def test_a_new_visitor_gets_a_token_and_a_returning_one_resumes_with_history():
    async def scenario():
        socket, session = await widget_connect()
        assert session["type"] == "session" and session["token"] and session["messages"] == []
        await socket.send_json_to(_send("Do you ship to Canada?"))
        sent = await receive_type(socket, "sent")
        conversation_id = sent["message"]["id"] and (await _conversation_of(sent["message"]["id"]))
        await agent_reply(conversation_id, "Yes, in 5-8 days")
        live = await receive_type(socket, "message")
        assert live["message"]["text"] == "Yes, in 5-8 days" and live["message"]["mine"] is False
        await socket.disconnect()

        again, resumed = await widget_connect(token=session["token"])
        assert resumed["conversation_id"] == conversation_id
        assert [(m["text"], m["mine"]) for m in resumed["messages"]] == [
            ("Do you ship to Canada?", True),
            ("Yes, in 5-8 days", False),
        ]
        await again.disconnect()

    run_async(scenario)


@database_sync_to_async
def _conversation_of(message_id: int) -> int:
    return Message.objects.get(pk=message_id).conversation_id


def test_replies_sent_while_disconnected_are_there_on_reconnect():
    async def scenario():
        socket, session = await widget_connect()
        await socket.send_json_to(_send("Hello?"))
        sent = await receive_type(socket, "sent")
        conversation_id = await _conversation_of(sent["message"]["id"])
        await socket.disconnect()
        await agent_reply(conversation_id, "Sorry for the wait!")  # visitor gone, no email: it waits

        again, resumed = await widget_connect(token=session["token"])
        assert resumed["messages"][-1]["text"] == "Sorry for the wait!"
        await again.disconnect()

    run_async(scenario)


def test_a_resent_message_is_stored_once():
    async def scenario():
        socket, _ = await widget_connect()
        frame = _send("Once only", client_id="c0ffee00-1")
        await socket.send_json_to(frame)
        first = await receive_type(socket, "sent")
        await socket.send_json_to(frame)  # the widget resends after a reconnect
        second = await receive_type(socket, "sent")
        assert first["message"]["id"] == second["message"]["id"]
        await socket.disconnect()

    run_async(scenario)
    assert Message.objects.filter(channel=Channel.CHAT).count() == 1


def test_a_forged_or_altered_token_is_refused():
    async def scenario():
        first, session = await widget_connect()
        await first.disconnect()
        for token in ["v_made.up.token", session["token"][:-2] + "xx"]:
            socket = WebsocketCommunicator(application, "/ws/widget/", headers=[(b"origin", b"http://localhost")])
            await socket.connect()
            await socket.send_json_to({"action": "hello", "token": token})
            assert await socket.receive_json_from() == {"type": "error", "reason": "invalid token"}
            assert (await socket.receive_output())["code"] == 4403
            await socket.disconnect()

    run_async(scenario)


def test_nothing_is_accepted_before_hello():
    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/widget/", headers=[(b"origin", b"http://localhost")])
        await socket.connect()
        await socket.send_json_to(_send("sneaky"))
        assert (await socket.receive_json_from())["reason"] == "say hello first"
        await socket.disconnect()

    run_async(scenario)
    assert Message.objects.count() == 0


def test_a_visitor_only_ever_sees_their_own_conversation():
    async def scenario():
        alice, _ = await widget_connect()
        bob, bob_session = await widget_connect()
        await alice.send_json_to(_send("Alice's private question"))
        alice_id = await _conversation_of((await receive_type(alice, "sent"))["message"]["id"])
        await bob.send_json_to(_send("Bob here"))
        await receive_type(bob, "sent")

        reply = await agent_reply(alice_id, "Alice's private answer")
        assert (await receive_type(alice, "message"))["message"]["text"] == "Alice's private answer"
        assert await bob.receive_nothing(timeout=0.5)

        # Bob cannot mark Alice's messages read by guessing ids
        await bob.send_json_to({"action": "seen", "message_ids": [reply.pk]})
        await bob.send_json_to({"action": "ping"})
        bob_tab, bob_again = await widget_connect(token=bob_session["token"])
        assert [m["text"] for m in bob_again["messages"]] == ["Bob here"]
        assert (await database_sync_to_async(Message.objects.get)(pk=reply.pk)).delivery_status == "sent"
        for socket in (alice, bob, bob_tab):
            await socket.disconnect()

    run_async(scenario)


def test_delivery_and_read_receipts_move_forward():
    async def scenario():
        socket, _ = await widget_connect()
        await socket.send_json_to(_send("hi"))
        conversation_id = await _conversation_of((await receive_type(socket, "sent"))["message"]["id"])
        reply = await agent_reply(conversation_id, "hello")
        await receive_type(socket, "message")
        await socket.send_json_to({"action": "seen", "message_ids": [reply.pk]})
        await socket.send_json_to({"action": "received", "message_ids": [reply.pk]})  # late: must not go back
        await socket.send_json_to({"action": "ping"})
        await socket.disconnect()

    run_async(scenario)
    reply = Message.objects.get(direction="outbound")
    assert reply.delivery_status == Message.Delivery.READ
    assert reply.read_at is not None and reply.delivered_at is not None


def test_typing_goes_to_agents_and_agent_typing_comes_back():
    from channels_app.widget.services import widget_typing

    async def scenario():
        socket, _ = await widget_connect()
        await socket.send_json_to(_send("hi"))
        conversation_id = await _conversation_of((await receive_type(socket, "sent"))["message"]["id"])
        layer = get_channel_layer()
        agents = await layer.new_channel()
        await layer.group_add(conversation_group(conversation_id), agents)

        await socket.send_json_to({"action": "typing", "typing": True})
        event = (await layer.receive(agents))["event"]
        assert event == {"type": "typing", "op": "start", "conversation_id": conversation_id, "who": "visitor"}

        await database_sync_to_async(widget_typing)(conversation_id=conversation_id, who="agent", typing=True)
        assert await receive_type(socket, "typing") == {"type": "typing", "typing": True}
        await socket.disconnect()

    run_async(scenario)


@override_settings(WIDGET_IDENTITY_SECRET=SECRET)
def test_a_verified_identity_links_the_visitor_to_the_existing_customer():
    known = ContactPointFactory(address="maya@example.com")

    async def scenario():
        identity = {"email": "Maya@example.com", "name": "Maya", "hash": identity_hash("maya@example.com")}
        socket, session = await widget_connect(identity=identity)
        assert session["identified"] is True
        await socket.send_json_to(_send("It's me"))
        await receive_type(socket, "sent")
        await socket.disconnect()

    run_async(scenario)
    message = Message.objects.get(channel=Channel.CHAT)
    assert message.conversation.customer_id == known.customer_id
    assert ContactPoint.objects.get(pk=known.pk).verified


@override_settings(WIDGET_IDENTITY_SECRET=SECRET)
def test_an_unverified_identity_is_refused_and_links_nothing():
    known = ContactPointFactory(address="maya@example.com")

    async def scenario():
        identity = {"email": "maya@example.com", "name": "Mallory", "hash": "0" * 64}
        socket, session = await widget_connect(identity=identity)
        assert session["identified"] is False
        await socket.send_json_to(_send("Give me Maya's orders"))
        await receive_type(socket, "sent")
        await socket.disconnect()

    run_async(scenario)
    assert Message.objects.get(channel=Channel.CHAT).conversation.customer_id != known.customer_id


def test_with_nobody_online_the_visitor_leaves_an_email_and_replies_go_there_once_they_leave():
    async def scenario():
        socket, session = await widget_connect()
        assert session["available"] is False
        await socket.send_json_to(_send("Anyone there?"))
        conversation_id = await _conversation_of((await receive_type(socket, "sent"))["message"]["id"])
        await socket.send_json_to({"action": "offline_email", "email": "not an email"})
        assert (await receive_type(socket, "error"))["reason"] == "That email address does not look right"
        await socket.send_json_to({"action": "offline_email", "email": "Visitor@Example.com"})
        assert await receive_type(socket, "offline_email") == {
            "type": "offline_email",
            "status": "linked",
            "email": "visitor@example.com",
        }
        await socket.disconnect()
        reply = await agent_reply(conversation_id, "We're back: here is your answer")
        return conversation_id, reply

    result: list = []
    run_async(lambda: _collect(scenario, result))
    conversation_id, reply = result[0]
    [email] = mail.outbox
    assert email.to == ["visitor@example.com"]
    assert "We're back: here is your answer" in email.body
    reply.refresh_from_db()
    assert reply.metadata["delivered_via"] == "email"
    assert reply.external_id == email.extra_headers["Message-ID"].strip("<>")
    # ...and their email answer lands in the same conversation
    answer = message_receive(channel=Channel.EMAIL, address="visitor@example.com", text="Thanks!")
    assert answer.message.conversation_id == conversation_id


async def _collect(scenario, into: list):
    into.append(await scenario())


def test_an_email_that_belongs_to_another_customer_is_not_merged_but_noted_for_agents():
    stranger = ContactPointFactory(address="taken@example.com")

    async def scenario():
        socket, _ = await widget_connect()
        await socket.send_json_to(_send("hi"))
        await receive_type(socket, "sent")
        await socket.send_json_to({"action": "offline_email", "email": "taken@example.com"})
        assert (await receive_type(socket, "offline_email"))["status"] == "held"
        await socket.disconnect()

    run_async(scenario)
    chat = Message.objects.get(channel=Channel.CHAT)
    assert chat.conversation.customer_id != stranger.customer_id
    assert ContactPoint.objects.get(address="taken@example.com").customer_id == stranger.customer_id
    assert chat.conversation.messages.filter(direction="event", text__contains="belongs to another customer").exists()
    assert chat.conversation.customer.attributes["unverified_emails"] == ["taken@example.com"]


def test_with_an_agent_online_chat_is_available():
    AgentFactory()

    async def scenario():
        socket, session = await widget_connect()
        assert session["available"] is True
        await socket.disconnect()

    run_async(scenario)


@override_settings(WIDGET_ALLOWED_ORIGINS=["https://shop.example.com"])
def test_only_allowed_sites_may_open_the_widget_socket_when_restricted():
    async def scenario():
        ok = WebsocketCommunicator(application, "/ws/widget/", headers=[(b"origin", b"https://shop.example.com")])
        assert (await ok.connect())[0]
        await ok.disconnect()
        other = WebsocketCommunicator(application, "/ws/widget/", headers=[(b"origin", b"https://evil.example")])
        assert not (await other.connect())[0]

    run_async(scenario)


def test_any_site_may_embed_the_widget_by_default():
    async def scenario():
        socket, session = await widget_connect(origin=b"https://some-shop.example")
        assert session["type"] == "session"
        await socket.disconnect()

    run_async(scenario)


def test_a_flood_of_messages_is_slowed_down_with_a_reason():
    async def scenario():
        socket, _ = await widget_connect()
        for n in range(11):
            await socket.send_json_to(_send(f"spam {n}"))
        error = await receive_type(socket, "error")  # "sent" acks and own-message echoes come first
        assert error == {
            "type": "error",
            "reason": "You're sending messages too fast; wait a moment",
            "client_id": error["client_id"],
        }
        await socket.disconnect()

    run_async(scenario)
    assert Message.objects.filter(channel=Channel.CHAT).count() == 10


def test_empty_and_oversized_messages_are_refused_with_a_reason():
    async def scenario():
        socket, _ = await widget_connect()
        await socket.send_json_to(_send("   "))
        assert (await receive_type(socket, "error"))["reason"] == "Type a message first"
        await socket.send_json_to(_send("x" * 5001))
        assert (await receive_type(socket, "error"))["reason"] == "Messages are limited to 5000 characters"
        await socket.send_json_to({"action": "send", "text": "no id"})
        assert (await receive_type(socket, "error"))["reason"] == "A message needs a client id"
        await socket.disconnect()

    run_async(scenario)
    assert Message.objects.count() == 0


def test_with_nobody_online_chat_is_available_when_the_rules_give_it_to_the_ai():
    RoutingRuleFactory(name="Chats to the AI", conditions=[{"field": "channel", "value": ["chat"]}])

    async def scenario():
        socket, session = await widget_connect()
        assert session["available"] is True
        await socket.disconnect()

    run_async(scenario)
