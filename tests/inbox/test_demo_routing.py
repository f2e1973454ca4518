"""The demo's routing setup loads and its rules route like the README says."""

import pytest

from inbox.demo import demo_load
from inbox.models import Conversation
from inbox.models_routing import BusinessHours, RoutingRule, SlaPolicy
from inbox.rules.engine import rules_active
from inbox.rules.replay import rules_test

pytestmark = pytest.mark.django_db


def test_demo_load_adds_rules_hours_and_sla_policies(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(customers=8, conversations=12)
    assert RoutingRule.objects.filter(is_default=False).count() == 5
    assert BusinessHours.objects.count() == 2 and SlaPolicy.objects.count() == 2
    default = RoutingRule.objects.get(is_default=True)
    assert default.actions["owner"] == "team" and default.version == 2
    from django.utils import timezone

    decision = rules_test(rules=rules_active(), channel="sms", text="I was charged twice", at=timezone.now())
    assert decision.owner_rule.name == "Billing questions"
    # The demo's waiting conversations went through the real pipeline: none is left unexplained.
    for conversation in Conversation.objects.exclude(owner=Conversation.Owner.UNASSIGNED):
        assert conversation.messages.filter(direction="event", metadata__kind="assignment").exists()


def test_the_demos_assigned_conversations_sit_in_their_agents_team(django_capture_on_commit_callbacks):
    """The Billing lead's queue (/team/) showed nothing: seeded work had no team."""
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(customers=8, conversations=12)
    held = Conversation.objects.filter(owner=Conversation.Owner.HUMAN).select_related("assignee__agent")
    assert held.exists()
    for conversation in held:
        assert conversation.team_id in {t.pk for t in conversation.assignee.agent.teams.all()}
