"""Rule order, stop/continue, first-writer-wins merging, disabled rules and the default rule."""

from datetime import UTC, datetime

import pytest

from inbox.models_routing import RoutingRule
from inbox.rules.conditions import RoutingContext
from inbox.rules.engine import rules_active, rules_evaluate
from tests.factories import RoutingRuleFactory, TeamFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def ctx(text="I was charged twice", channel="email", **kwargs):
    return RoutingContext(channel=channel, text=text, at=AT, **kwargs)


def test_the_default_rule_always_exists_and_runs_last():
    first = RoutingRuleFactory(name="Emails", position=5)
    rules = rules_active()
    assert [r.name for r in rules] == ["Emails", "Default"]
    assert rules[-1].is_default and RoutingRule.objects.filter(is_default=True).count() == 1
    assert rules_active()[0] == first  # no second default on the next call


def test_the_first_matching_rule_that_stops_decides():
    billing = TeamFactory(name="Billing")
    RoutingRuleFactory(name="Billing words", position=1, conditions=[{"field": "text_contains", "value": ["charged"]}],
                       actions={"owner": "team", "team_id": billing.pk, "stop": True})  # fmt: skip
    RoutingRuleFactory(name="All email to AI", position=2, actions={"owner": "ai", "stop": True})
    decision = rules_evaluate(rules_active(), ctx())
    assert decision.owner == "team" and decision.team_id == billing.pk
    assert decision.owner_rule.name == "Billing words"
    assert [r.skipped for r in decision.results] == ["", "after a rule that stops", "after a rule that stops"]
    assert decision.why() == "text contains 'charged'"


def test_continue_lets_later_rules_add_actions_but_not_override_the_owner():
    RoutingRuleFactory(name="Tag it", position=1, conditions=[{"field": "channel", "value": ["email"]}],
                       actions={"owner": "", "tags": ["email"], "priority": 2, "stop": False})  # fmt: skip
    RoutingRuleFactory(name="AI first", position=2, conditions=[{"field": "text_contains", "value": ["charged"]}],
                       actions={"owner": "ai", "procedure": "refunds", "tags": ["money"], "stop": False})  # fmt: skip
    RoutingRuleFactory(name="Then humans", position=3, conditions=[{"field": "channel", "value": ["email"]}],
                       actions={"owner": "agent", "agent_id": 1, "priority": 0, "stop": True})  # fmt: skip
    decision = rules_evaluate(rules_active(), ctx())
    assert (decision.owner, decision.procedure) == ("ai", "refunds")
    assert decision.tags == ["email", "money"] and decision.priority == 2
    assert [r.rule.name for r in decision.results if r.matched] == ["Tag it", "AI first", "Then humans"]


def test_reordering_changes_the_decision():
    a = RoutingRuleFactory(name="A", position=1, actions={"owner": "ai", "stop": True})
    RoutingRuleFactory(name="B", position=2, actions={"owner": "", "priority": 3, "stop": True})
    assert rules_evaluate(rules_active(), ctx()).owner == "ai"
    a.position = 3
    a.save()
    decision = rules_evaluate(rules_active(), ctx())
    assert decision.owner == "" and decision.priority == 3


def test_any_versus_all_and_disabled_rules():
    RoutingRuleFactory(name="Off", position=1, enabled=False, actions={"owner": "ai", "stop": True})
    conditions = [{"field": "channel", "value": ["sms"]}, {"field": "text_contains", "value": ["charged"]}]
    RoutingRuleFactory(name="All", position=2, match="all", conditions=conditions, actions={"owner": "ai"})
    RoutingRuleFactory(name="Any", position=3, match="any", conditions=conditions,
                       actions={"owner": "ai", "procedure": "p"})  # fmt: skip
    decision = rules_evaluate(rules_active(), ctx())
    results = {r.rule.name: r for r in decision.results}
    assert results["Off"].skipped == "disabled"
    assert not results["All"].matched and [c.matched for c in results["All"].conditions] == [False, True]
    assert results["Any"].matched and decision.procedure == "p"


def test_when_no_rule_matches_the_default_decides():
    RoutingRuleFactory(name="SMS only", conditions=[{"field": "channel", "value": ["sms"]}])
    default = rules_active()[-1]
    default.actions = {"owner": "ai", "procedure": "triage"}
    default.save()
    decision = rules_evaluate(rules_active(), ctx())
    assert decision.owner_rule == default and decision.why() == "no conditions (catch-all)"
