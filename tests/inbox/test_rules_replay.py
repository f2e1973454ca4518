"""The tester (a sample message) and replay (a draft over recent real conversations)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox.hours import business_hours_set
from inbox.models import Conversation, Message
from inbox.models_routing import RoutingRule
from inbox.rules.engine import rules_active
from inbox.rules.replay import rules_replay, rules_test, rules_with_draft
from tests.factories import CustomerFactory, MessageFactory, RoutingRuleFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_the_tester_shows_each_condition_and_the_decision():
    support = TeamFactory(name="Support")
    business_hours_set(team=support, timezone="Europe/Berlin", weekly={"0": [["09:00", "17:00"]]}, holidays=[])
    RoutingRuleFactory(name="VIP", position=1, conditions=[{"field": "customer_tag", "value": ["vip"]}],
                       actions={"owner": "team", "team_id": support.pk})  # fmt: skip
    RoutingRuleFactory(name="Orders at night", position=2,
                       conditions=[{"field": "intent", "value": ["order_status"], "min_confidence": 0.8},
                                   {"field": "business_hours", "value": "closed", "team_id": support.pk}],
                       actions={"owner": "ai", "procedure": "order-status"})  # fmt: skip
    monday_night = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    decision = rules_test(rules=rules_active(), channel="chat", text="where is my parcel", at=monday_night,
                          customer=CustomerFactory(tags=["regular"]),
                          classification={"intent": "order_status", "confidence": 0.91})  # fmt: skip
    assert decision.summary() == "AI agent (procedure order-status)"
    vip, orders, default = decision.results
    assert not vip.matched and vip.conditions[0].detail == "customer not tagged vip"
    assert orders.matched and [c.detail for c in orders.conditions] == [
        "intent=order_status 0.91",
        "business hours closed (Support)",
    ]
    assert default.skipped == "after a rule that stops"


def conversation_with_first_message(text, channel="email", days_ago=1, customer=None):
    conversation = Conversation.objects.create(customer=customer or CustomerFactory())
    message = MessageFactory(conversation=conversation, text=text, channel=channel)
    when = timezone.now() - timedelta(days=days_ago)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=when)
    Message.objects.filter(pk=message.pk).update(created_at=when)
    return conversation


def test_replay_lists_what_a_draft_would_decide_differently_without_saving():
    billing = TeamFactory(name="Billing")
    refund = conversation_with_first_message("I want a refund")
    conversation_with_first_message("Do you ship to Canada?")
    conversation_with_first_message("refund for an old order", days_ago=40)  # outside the window
    draft = RoutingRule(name="Refunds", conditions=[{"field": "text_contains", "value": ["refund"]}],
                        actions={"owner": "team", "team_id": billing.pk, "stop": True})  # fmt: skip

    result = rules_replay(current=rules_active(), draft=rules_with_draft(draft), days=30)
    assert result.total == 2
    assert [(row.conversation_id, row.before, row.after) for row in result.changed] == [
        (refund.pk, "Unassigned queue", "Team Billing")
    ]
    assert result.transitions == {("Unassigned queue", "Team Billing"): 1}
    assert not RoutingRule.objects.filter(name="Refunds").exists()


def test_replay_of_an_edited_rule_uses_the_draft_in_its_place():
    rule = RoutingRuleFactory(name="Email to AI", conditions=[{"field": "channel", "value": ["email"]}],
                              actions={"owner": "ai"})  # fmt: skip
    conversation_with_first_message("hello", channel="email")
    conversation_with_first_message("hi", channel="sms")
    draft = RoutingRule(pk=rule.pk, name=rule.name, position=rule.position,
                        conditions=[{"field": "channel", "value": ["sms"]}], actions={"owner": "ai"})  # fmt: skip
    result = rules_replay(current=rules_active(), draft=rules_with_draft(draft), days=7)
    assert sorted((r.before, r.after) for r in result.changed) == [
        ("AI agent", "Unassigned queue"),
        ("Unassigned queue", "AI agent"),
    ]
    rule.refresh_from_db()
    assert rule.conditions == [{"field": "channel", "value": ["email"]}]


def test_replay_queries_do_not_grow_with_the_number_of_conversations():
    RoutingRuleFactory(conditions=[{"field": "customer_kind", "value": "returning"}], actions={"owner": "ai"})
    draft_rules = rules_active()

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            rules_replay(current=rules_active(), draft=draft_rules, days=7)
        return len(ctx.captured_queries)

    conversation_with_first_message("one")
    few = count_queries()
    customer = CustomerFactory()
    for i in range(15):
        conversation_with_first_message(f"message {i}", customer=customer)
    assert count_queries() == few
