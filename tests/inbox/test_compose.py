from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from inbox.events import agent_group
from inbox.models import Conversation, Message, Notification
from inbox.services import message_receive
from inbox.services.compose import conversation_reply, note_post
from inbox.services.whatsapp import whatsapp_window
from tests.factories import AgentFactory
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db


def _whatsapp_conversation(hours_ago: float) -> Conversation:
    conversation = message_receive(channel="whatsapp", address="+14155551012", text="Hi").message.conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        whatsapp_last_inbound_at=timezone.now() - timedelta(hours=hours_ago)
    )
    conversation.refresh_from_db()
    return conversation


def test_a_whatsapp_reply_inside_the_window_is_queued_with_its_files(agent):
    conversation = _whatsapp_conversation(hours_ago=2)
    photo = SimpleUploadedFile("receipt.png", b"\x89PNG fake", content_type="text/html")
    reply = conversation_reply(conversation=conversation, actor=agent.user, channel="whatsapp", text="On its way",
                               files=[photo])  # fmt: skip
    assert (reply.direction, reply.delivery_status, reply.author) == ("outbound", "pending", agent.user)
    attachment = reply.attachments.get()
    # The browser's claimed type is ignored; the name decides.
    assert (attachment.filename, attachment.content_type, attachment.size) == ("receipt.png", "image/png", 9)


def test_free_text_outside_the_whatsapp_window_is_refused(agent):
    conversation = _whatsapp_conversation(hours_ago=25)
    assert not whatsapp_window(conversation)[0]
    with pytest.raises(ValidationError, match="24-hour window"):
        conversation_reply(conversation=conversation, actor=agent.user, channel="whatsapp", text="Hello")
    assert not conversation.messages.filter(direction="outbound").exists()


def test_a_reply_on_a_channel_the_customer_lacks_is_refused(agent):
    conversation = _whatsapp_conversation(hours_ago=1)
    with pytest.raises(ValidationError, match="cannot be reached on Email"):
        conversation_reply(conversation=conversation, actor=agent.user, channel="email", text="Hello")


def test_oversized_files_are_refused_before_anything_is_stored(agent, settings):
    settings.INBOX_UPLOAD_MAX_BYTES = 5
    conversation = _whatsapp_conversation(hours_ago=1)
    with pytest.raises(ValidationError, match="larger than"):
        note_post(conversation=conversation, actor=agent.user, text="see file",
                  files=[SimpleUploadedFile("big.pdf", b"0123456789")])  # fmt: skip
    assert not Message.objects.filter(direction="note").exists()


def test_mentioning_a_colleague_notifies_only_them(agent, django_capture_on_commit_callbacks):
    ben = AgentFactory(user__username="ben").user
    AgentFactory(user__username="chloe")
    conversation = _whatsapp_conversation(hours_ago=1)
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        note = note_post(conversation=conversation, actor=agent.user,
                         text="@ben can you check? (not @nobody, not mail@ben.com, not @ana)")  # fmt: skip
    notification = Notification.objects.get()
    assert (notification.user, notification.message, notification.kind) == (ben, note, "mention")
    assert "Ana mentioned you" in notification.text
    assert any(groups == (agent_group(ben.pk),) and e["type"] == "notification" for groups, e in sent)


@pytest.mark.parametrize("owner", [Conversation.Owner.UNASSIGNED, Conversation.Owner.AI])
def test_answering_a_conversation_nobody_holds_makes_it_yours(agent, owner):
    conversation = _whatsapp_conversation(hours_ago=1)
    Conversation.objects.filter(pk=conversation.pk).update(owner=owner)

    conversation_reply(conversation=conversation, actor=agent.user, channel="whatsapp", text="I'll sort this out")

    conversation.refresh_from_db()
    assert (conversation.owner, conversation.assignee) == (Conversation.Owner.HUMAN, agent.user)
    assert conversation.messages.filter(text__startswith=f"Assigned to {agent.user.get_full_name()}").exists()


def test_answering_a_colleagues_conversation_leaves_it_theirs(agent):
    colleague = AgentFactory().user
    conversation = _whatsapp_conversation(hours_ago=1)
    Conversation.objects.filter(pk=conversation.pk).update(owner=Conversation.Owner.HUMAN, assignee=colleague)

    conversation_reply(conversation=conversation, actor=agent.user, channel="whatsapp", text="Covering for a bit")

    conversation.refresh_from_db()
    assert conversation.assignee == colleague
