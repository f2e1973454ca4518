"""The demo's routing setup loads and its rules route like the README says."""

import pytest

from agents.decisions import text_decide
from agents.knowledge import article_index
from agents.models import Article
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
    # Routine questions go to the AI agent; the rules before it take what a person should own.
    assert default.actions["owner"] == "ai" and default.version == 2
    from django.utils import timezone

    for article in Article.objects.all():  # the demo's start indexes them in the worker
        article_index(article=article)

    def owner_rule(text):
        decided = text_decide(text=text)
        return rules_test(
            rules=rules_active(), channel="sms", text=text, at=timezone.now(), classification=decided
        ).owner_rule.name

    assert owner_rule("How long does delivery to Canada take?") == default.name
    assert owner_rule("You charged me twice, this is theft. I'm filing a chargeback with my bank today") == (
        "Billing disputes"
    )
    assert owner_rule("I want to talk to a real person, not a bot") == "A person should own it"
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
