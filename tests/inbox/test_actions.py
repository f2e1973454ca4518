from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from inbox.events import INBOX_GROUP, conversation_group
from inbox.models import Conversation, ConversationRead
from inbox.services import message_receive
from inbox.services.actions import (
    conversation_change_status,
    conversation_hand_to_ai,
    conversation_mark_read,
    conversation_set_priority,
    conversation_set_tags,
    conversation_take_over,
    conversations_wake_due,
)
from tests.factories import ConversationFactory, UserFactory
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db


def test_taking_over_from_the_ai_makes_me_the_owner_and_tells_everyone(agent, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(owner=Conversation.Owner.AI)
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        taken = conversation_take_over(conversation=conversation, actor=agent.user)
    assert (taken.owner, taken.assignee) == ("human", agent.user)
    assert "taken over by Ana" in taken.messages.get(direction="event").text
    groups, event = next((g, e) for g, e in sent if e["type"] == "conversation")
    assert event["op"] == "assigned" and INBOX_GROUP in groups and conversation_group(conversation.pk) in groups


def test_handing_back_to_the_ai(agent):
    conversation = ConversationFactory(owner="human", assignee=agent.user)
    assert conversation_hand_to_ai(conversation=conversation, actor=agent.user).owner == "ai"


def test_actions_need_an_agent():
    conversation = ConversationFactory()
    with pytest.raises(PermissionDenied):
        conversation_take_over(conversation=conversation, actor=UserFactory())
    with pytest.raises(PermissionDenied):
        conversation_set_priority(conversation=conversation, actor=UserFactory(), priority=3)


def test_priority_and_tags_are_recorded_in_the_timeline(agent, django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        conversation_set_priority(conversation=conversation, actor=agent.user, priority=3)
        tagged = conversation_set_tags(conversation=conversation, actor=agent.user, tags=[" VIP", "billing", "vip", ""])
    assert tagged.tags == ["vip", "billing"]
    texts = list(conversation.messages.values_list("text", flat=True))
    assert "Priority set to Urgent by Ana" in texts[0] and "Tags added vip, billing" in texts[1]
    assert [e["op"] for _, e in sent if e["type"] == "conversation"] == ["updated", "updated"]
    with pytest.raises(ValidationError):
        conversation_set_priority(conversation=conversation, actor=agent.user, priority=9)
    with pytest.raises(ValidationError):
        conversation_set_tags(conversation=conversation, actor=agent.user, tags=["x" * 51])


def test_snoozed_conversations_wake_when_due_and_not_before(agent):
    conversation = ConversationFactory()
    conversation_change_status(conversation=conversation, actor=agent.user, status="snoozed",
                               snoozed_until=timezone.now() + timedelta(hours=1))  # fmt: skip
    assert conversations_wake_due() == 0
    assert conversations_wake_due(now=timezone.now() + timedelta(hours=2)) == 1
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == ("open", None)
    assert conversation.messages.filter(text="Snooze ended").exists()
    assert conversations_wake_due(now=timezone.now() + timedelta(hours=3)) == 0


def test_the_customer_writing_wakes_a_snoozed_conversation(agent):
    conversation = message_receive(channel="sms", address="+14155551012", text="Hi").message.conversation
    conversation_change_status(conversation=conversation, actor=agent.user, status="snoozed",
                               snoozed_until=timezone.now() + timedelta(days=1))  # fmt: skip
    message_receive(channel="sms", address="+14155551012", text="Hello?")
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_marking_read_remembers_the_last_message(agent):
    message = message_receive(channel="sms", address="+14155551012", text="Hi").message
    conversation_mark_read(conversation=message.conversation, user=agent.user)
    conversation_mark_read(conversation=message.conversation, user=agent.user)
    read = ConversationRead.objects.get()
    assert read.last_read_message_id == message.pk and read.user == agent.user


def test_assigning_a_colleague_notifies_them_but_taking_it_myself_does_not(agent, django_capture_on_commit_callbacks):
    from inbox.events import agent_group
    from inbox.models import Notification
    from inbox.services.actions import conversation_reassign
    from tests.factories import AgentFactory

    ben = AgentFactory(user__username="ben").user
    conversation = ConversationFactory()
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        conversation_reassign(conversation=conversation, actor=agent.user, assignee=ben, team=None)
        conversation_reassign(conversation=conversation, actor=agent.user, assignee=agent.user, team=None)
    notification = Notification.objects.get()
    assert (notification.user, notification.kind) == (ben, "assigned")
    assert any(g == (agent_group(ben.pk),) and e["type"] == "notification" for g, e in sent)
