from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.events import INBOX_GROUP, agent_group, conversation_group
from inbox.models import Conversation, Message
from inbox.services import conversation_assign, conversation_set_status
from tests.factories import AgentFactory, ConversationFactory, TeamFactory, UserFactory
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db


def test_assigning_to_an_agent_explains_itself_and_notifies_them(django_capture_on_commit_callbacks):
    ana, boss = AgentFactory(user__first_name="Ana", user__last_name=""), AgentFactory()
    conversation = ConversationFactory()

    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        conversation_assign(
            conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=ana.user, actor=boss.user
        )

    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.HUMAN and conversation.assignee == ana.user
    event = conversation.messages.get(direction=Message.Direction.EVENT)
    assert event.text.startswith("Assigned to Ana by ")
    assigned = [groups for groups, e in sent if e["op"] == "assigned"]
    assert set(assigned[0]) == {conversation_group(conversation.pk), INBOX_GROUP, agent_group(ana.user.pk)}


def test_a_rule_reason_is_the_explanation():
    conversation = ConversationFactory()
    conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, reason="by rule 'Order status'")
    assert conversation.messages.get().text == "Handed to the AI agent by rule 'Order status'"


def test_a_team_queue_has_no_assignee():
    team = TeamFactory(name="Billing")
    conversation = conversation_assign(
        conversation=ConversationFactory(), owner=Conversation.Owner.UNASSIGNED, team=team
    )
    assert conversation.team == team and conversation.assignee is None
    assert conversation.messages.get().text.startswith("Moved to the Billing queue")


@pytest.mark.parametrize(
    ("owner", "assignee_kind", "reason"),
    [
        ("human", None, "Choose the agent"),
        ("human", "not-an-agent", "is not an agent"),
        ("ai", "agent", "Only a human owner"),
        ("robot", None, "Unknown owner"),
    ],
)
def test_bad_assignments_are_refused_and_change_nothing(owner, assignee_kind, reason):
    assignee = {"agent": lambda: AgentFactory().user, "not-an-agent": UserFactory, None: lambda: None}[assignee_kind]()
    conversation = ConversationFactory()
    with pytest.raises(ValidationError, match=reason):
        conversation_assign(conversation=conversation, owner=owner, assignee=assignee)
    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.UNASSIGNED
    assert not conversation.messages.exists()


def test_resolve_and_reopen():
    conversation = ConversationFactory()
    resolved = conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED)
    assert resolved.resolved_at is not None
    reopened = conversation_set_status(conversation=conversation, status=Conversation.Status.OPEN)
    assert reopened.resolved_at is None
    assert [m.text.split(" by")[0] for m in conversation.messages.order_by("pk")] == ["Resolved", "Reopened"]


def test_snooze_needs_a_future_time():
    conversation = ConversationFactory()
    with pytest.raises(ValidationError, match="future"):
        conversation_set_status(
            conversation=conversation, status="snoozed", snoozed_until=timezone.now() - timedelta(minutes=1)
        )
    with pytest.raises(ValidationError, match="future"):
        conversation_set_status(conversation=conversation, status="snoozed")
    until = timezone.now() + timedelta(hours=2)
    assert conversation_set_status(conversation=conversation, status="snoozed", snoozed_until=until).snoozed_until


def test_setting_the_same_status_twice_writes_one_event():
    conversation = ConversationFactory()
    conversation_set_status(conversation=conversation, status=Conversation.Status.PENDING)
    conversation_set_status(conversation=conversation, status=Conversation.Status.PENDING)
    assert conversation.messages.count() == 1
