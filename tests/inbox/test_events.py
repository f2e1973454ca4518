import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from inbox.events import INBOX_GROUP, conversation_group
from inbox.models import Channel, Message
from inbox.services import message_receive
from tests.helpers import run_async

pytestmark = pytest.mark.django_db(transaction=True)


def listen_while(write, group=INBOX_GROUP, quiet_after=1.0):
    return run_async(_listen_while, write, group, quiet_after)


async def _listen_while(write, group=INBOX_GROUP, quiet_after=1.0):
    """Join ``group`` on the real Redis channel layer, run ``write``, return what arrives."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    try:
        await database_sync_to_async(write)()
        received = []
        while True:
            try:
                received.append((await asyncio.wait_for(layer.receive(channel), quiet_after))["event"])
            except TimeoutError:
                return received
    finally:
        await layer.group_discard(group, channel)


def test_a_committed_message_is_announced_to_the_inbox():
    events = listen_while(lambda: message_receive(channel=Channel.SMS, address="+15551230000", text="Hi"))

    message = Message.objects.get()
    assert {"type": "message", "op": "created", "conversation_id": message.conversation_id,
            "message_id": message.pk} in events  # fmt: skip
    assert {"type": "conversation", "op": "created", "conversation_id": message.conversation_id} in events
    assert all("Hi" not in str(e) for e in events), "events carry ids, never customer text"


def test_nothing_is_announced_when_the_transaction_rolls_back():
    def write():
        try:
            with transaction.atomic():
                message_receive(channel=Channel.SMS, address="+15551230000", text="Hi")
                raise RuntimeError("boom")
        except RuntimeError:
            pass

    assert listen_while(write) == []
    assert not Message.objects.exists()


def test_the_conversation_group_hears_about_its_own_messages():
    message_receive(channel=Channel.SMS, address="+15551230000", text="Hi")
    conversation_id = Message.objects.get().conversation_id

    events = listen_while(
        lambda: message_receive(channel=Channel.SMS, address="+15551230000", text="Again"),
        group=conversation_group(conversation_id),
    )
    assert [(e["type"], e["op"]) for e in events] == [("message", "created")]
