"""SLA timers, warning before breach, escalation on breach, and badges without N+1."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from inbox.events import INBOX_GROUP, agent_group
from inbox.hours import business_hours_set
from inbox.metrics.facts import conversation_facts_refresh
from inbox.metrics.models import ConversationFact
from inbox.models import Conversation, Message
from inbox.models_routing import SlaPolicy
from inbox.services import conversation_assign, message_append_outbound, message_receive
from inbox.sla import sla_annotate, sla_badge, sla_check, sla_policy_apply, sla_timers_refresh
from tests.factories import AgentFactory, ConversationFactory, SlaPolicyFactory, TeamFactory
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db


def conversation_at(created, **kwargs):
    conversation = ConversationFactory(**kwargs)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=created, waiting_since=created)
    conversation.refresh_from_db()
    return conversation


def sla_events(conversation):
    return list(
        conversation.messages.filter(direction=Message.Direction.EVENT, metadata__kind="sla").values_list(
            "text", flat=True
        )
    )


def test_applying_a_policy_starts_the_timers():
    start = timezone.now() - timedelta(minutes=5)
    conversation = conversation_at(start)
    policy = SlaPolicyFactory(first_response_minutes=30, next_response_minutes=60, resolution_minutes=480)
    conversation = sla_policy_apply(conversation=conversation, policy=policy, reason="by rule 'X'")
    assert conversation.first_response_due_at == start + timedelta(minutes=30)
    assert conversation.resolution_due_at == start + timedelta(minutes=480)
    assert conversation.next_response_due_at is None  # nobody answered yet
    assert sla_events(conversation) == [f"SLA policy '{policy.name}' applied by rule 'X'"]


def test_business_hours_only_timers_pause_while_the_team_is_closed():
    team = TeamFactory()
    business_hours_set(team=team, timezone="Europe/Berlin", weekly={str(d): [["09:00", "17:00"]] for d in range(5)},
                       holidays=[])  # fmt: skip
    friday = datetime(2026, 11, 27, 16, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    conversation = conversation_at(friday, team=team)
    policy = SlaPolicyFactory(first_response_minutes=60, business_hours_only=True)
    conversation = sla_policy_apply(conversation=conversation, policy=policy, reason="")
    assert conversation.first_response_due_at == datetime(2026, 11, 30, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def test_next_response_timer_runs_when_the_customer_writes_after_a_reply(django_capture_on_commit_callbacks):
    policy = SlaPolicyFactory(first_response_minutes=30, next_response_minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        first = message_receive(channel="sms", address="+15550001111", text="hi")
    conversation = Conversation.objects.get(pk=first.message.conversation_id)
    conversation = sla_policy_apply(conversation=conversation, policy=policy, reason="")
    message_append_outbound(conversation=conversation, channel="sms", text="Hello!")
    with django_capture_on_commit_callbacks(execute=True):
        again = message_receive(channel="sms", address="+15550001111", text="one more thing")
    conversation.refresh_from_db()
    assert conversation.next_response_due_at == again.message.created_at + timedelta(minutes=15)
    assert sla_annotate(Conversation.objects.filter(pk=conversation.pk)).get().sla_due_at == (
        conversation.next_response_due_at
    )  # the first-response timer is met, the next-response one runs


def test_warning_before_and_escalation_on_breach_happen_once_each(django_capture_on_commit_callbacks):
    agent = AgentFactory()
    start = timezone.now()
    policy = SlaPolicyFactory(first_response_minutes=30, next_response_minutes=None, resolution_minutes=None,
                              warn_before_minutes=10, breach_action=SlaPolicy.BreachAction.RAISE_PRIORITY)  # fmt: skip
    conversation = conversation_at(start)
    conversation_assign(conversation=conversation, owner="human", assignee=agent.user)
    conversation = sla_policy_apply(conversation=conversation, policy=policy, reason="")

    assert sla_check(now=start + timedelta(minutes=10)) == {"warned": 0, "breached": 0}
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        assert sla_check(now=start + timedelta(minutes=21)) == {"warned": 1, "breached": 0}
        assert sla_check(now=start + timedelta(minutes=22)) == {"warned": 0, "breached": 0}
    warning = [event for groups, event in sent if event["type"] == "sla"]
    assert warning == [{"type": "sla", "op": "warning", "conversation_id": conversation.pk}]
    assert agent_group(agent.user_id) in sent[-1][0] and INBOX_GROUP in sent[-1][0]

    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        assert sla_check(now=start + timedelta(minutes=31)) == {"warned": 0, "breached": 1}
        assert sla_check(now=start + timedelta(minutes=40)) == {"warned": 0, "breached": 0}
    conversation.refresh_from_db()
    assert conversation.priority == Conversation.Priority.HIGH
    assert any(e["op"] == "breached" for _, e in sent)
    texts = sla_events(conversation)
    assert texts[1].startswith("SLA warning: first response due at")
    assert texts[2].startswith("SLA breached: first response was due at") and texts[2].endswith(
        "priority raised to High"
    )


def test_breach_can_reassign_to_another_agent_of_the_team(django_capture_on_commit_callbacks):
    team = TeamFactory()
    slow, other = AgentFactory(), AgentFactory(user__first_name="Other")
    for a in (slow, other):
        a.teams.add(team)
    start = timezone.now() - timedelta(hours=1)
    conversation = conversation_at(start, team=team)
    conversation_assign(conversation=conversation, owner="human", assignee=slow.user, team=team)
    policy = SlaPolicyFactory(first_response_minutes=30, breach_action=SlaPolicy.BreachAction.REASSIGN)
    sla_policy_apply(conversation=conversation, policy=policy, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_check()["breached"] == 1
    conversation.refresh_from_db()
    assert conversation.assignee == other.user
    assert "by SLA escalation (first response breached" in conversation.messages.latest("pk").text


def test_answered_or_resolved_conversations_do_not_breach():
    start = timezone.now() - timedelta(hours=2)
    conversation = conversation_at(start)
    sla_policy_apply(conversation=conversation, policy=SlaPolicyFactory(first_response_minutes=30), reason="")
    Conversation.objects.filter(pk=conversation.pk).update(first_response_at=start, waiting_since=None,
                                                           status=Conversation.Status.RESOLVED)  # fmt: skip
    assert sla_check() == {"warned": 0, "breached": 0}
    sla_timers_refresh(conversation=conversation)  # idempotent, nothing restarts
    assert sla_annotate(Conversation.objects.filter(pk=conversation.pk)).get().sla_due_at is None


def test_badges_for_a_list_in_a_constant_number_of_queries(django_assert_num_queries):
    now = timezone.now()
    policy = SlaPolicyFactory(first_response_minutes=30, warn_before_minutes=10)
    for minutes in (0, 25, 45, 5, 50):
        sla_policy_apply(conversation=conversation_at(now - timedelta(minutes=minutes)), policy=policy, reason="")
    ConversationFactory()  # no policy: no badge
    template = Template("{% load routing_tags %}{% for c in cs %}[{% sla_badge c %}]{% endfor %}")
    with django_assert_num_queries(1):
        conversations = list(sla_annotate(Conversation.objects.select_related("sla_policy").order_by("created_at")))
        html = template.render(Context({"cs": conversations}))
    assert html.count("sla-breached") == 2 and html.count("sla-warning") == 1 and html.count("sla-ok") == 2
    assert html.count("[]") == 1
    assert sla_badge(conversations[-1]) is None


def test_a_breach_reaches_the_kpi_facts_even_when_nothing_else_changes():
    start = timezone.now()
    policy = SlaPolicyFactory(first_response_minutes=30, next_response_minutes=None, resolution_minutes=None,
                              warn_before_minutes=0, breach_action=SlaPolicy.BreachAction.NOTIFY)  # fmt: skip
    conversation = sla_policy_apply(conversation=conversation_at(start), policy=policy, reason="")
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=start - timedelta(hours=1))
    conversation_facts_refresh()
    assert sla_check(now=start + timedelta(minutes=31)) == {"warned": 0, "breached": 1}

    conversation_facts_refresh()
    assert ConversationFact.objects.get(conversation=conversation).sla_breaches == 1
