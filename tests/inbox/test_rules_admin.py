"""Rule changes: validation with clear reasons, versions and audit (who, when, before, after)."""

import pytest
from django.core.exceptions import ValidationError

from inbox.models_routing import RoutingRule, RuleVersion
from inbox.rules.admin import rule_create, rule_default_ensure, rule_delete, rule_move, rule_set_enabled, rule_update
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db
EMAIL = [{"field": "channel", "value": ["email"]}]


@pytest.fixture
def admin():
    return AgentFactory(role="admin").user


def test_create_update_and_toggle_are_versioned_with_before_and_after(admin):
    rule = rule_create(actor=admin, name="Email", match="all", conditions=EMAIL, actions={"owner": "ai"})
    rule = rule_update(rule=rule, actor=admin, name="Email to AI", match="all", conditions=EMAIL,
                       actions={"owner": "ai", "procedure": "email-faq"})  # fmt: skip
    rule = rule_set_enabled(rule=rule, enabled=False, actor=admin)
    assert rule.version == 3 and not rule.enabled
    created, updated, disabled = RuleVersion.objects.filter(rule=rule).order_by("pk")
    assert (created.change, created.before, created.after["name"]) == ("created", None, "Email")
    assert updated.before["actions"] == {"owner": "ai", "stop": True, "procedure": ""}
    assert updated.after["actions"]["procedure"] == "email-faq" and updated.actor == admin
    assert (disabled.change, disabled.before["enabled"], disabled.after["enabled"]) == ("disabled", True, False)


def test_saving_an_unchanged_rule_adds_no_version(admin):
    rule = rule_create(actor=admin, name="Email", match="all", conditions=EMAIL, actions={"owner": "ai"})
    rule_update(rule=rule, actor=admin, name="Email", match="all", conditions=EMAIL, actions={"owner": "ai"})
    assert RuleVersion.objects.filter(rule=rule).count() == 1


def test_invalid_rules_are_refused_with_every_reason_and_nothing_is_stored(admin):
    with pytest.raises(ValidationError) as caught:
        rule_create(actor=admin, name=" ", match="all",
                    conditions=[{"field": "text_matches", "value": "(a+)+"}], actions={"owner": "team"})  # fmt: skip
    messages = caught.value.messages
    assert "Give the rule a name" in messages
    assert any("repeats a group" in m for m in messages)
    assert "Choose the team that gets the conversation" in messages
    assert not RoutingRule.objects.exists() and not RuleVersion.objects.exists()


def test_a_rule_needs_a_condition_and_a_real_team_or_agent(admin):
    with pytest.raises(ValidationError, match="at least one condition"):
        rule_create(actor=admin, name="All", match="all", conditions=[], actions={"owner": "ai"})
    with pytest.raises(ValidationError, match="That team does not exist"):
        rule_create(actor=admin, name="T", match="all", conditions=EMAIL, actions={"owner": "team", "team_id": 999})
    with pytest.raises(ValidationError, match="Choose the agent"):
        rule_create(actor=admin, name="A", match="all", conditions=EMAIL, actions={"owner": "agent", "agent_id": 999})


def test_the_default_rule_cannot_be_disabled_deleted_or_moved(admin):
    default = rule_default_ensure()
    for attempt in (
        lambda: rule_set_enabled(rule=default, enabled=False, actor=admin),
        lambda: rule_delete(rule=default, actor=admin),
        lambda: rule_move(rule=default, direction="up", actor=admin),
    ):
        with pytest.raises(ValidationError):
            attempt()
    team = TeamFactory()
    default = rule_update(rule=default, actor=admin, name="Default", match="all", conditions=[],
                          actions={"owner": "team", "team_id": team.pk})  # fmt: skip
    assert default.actions["team_id"] == team.pk and default.version == 2


def test_reorder_swaps_neighbours_and_audits_both(admin):
    a, _b, c = (rule_create(actor=admin, name=n, match="all", conditions=EMAIL, actions={}) for n in "ABC")
    rule_move(rule=c, direction="up", actor=admin)
    assert list(RoutingRule.objects.filter(is_default=False).values_list("name", flat=True)) == ["A", "C", "B"]
    assert set(RuleVersion.objects.filter(change="moved").values_list("rule_name", flat=True)) == {"B", "C"}
    rule_move(rule=a, direction="up", actor=admin)  # already first: nothing happens
    assert RuleVersion.objects.filter(change="moved").count() == 2


def test_delete_keeps_the_audit_trail(admin):
    rule = rule_create(actor=admin, name="Gone", match="all", conditions=EMAIL, actions={})
    rule_delete(rule=rule, actor=admin)
    deleted = RuleVersion.objects.get(change="deleted")
    assert deleted.rule is None and deleted.rule_name == "Gone" and deleted.before["name"] == "Gone"


def test_a_business_hours_condition_must_know_whose_hours(admin):
    closed = [{"field": "business_hours", "value": "closed"}]
    with pytest.raises(ValidationError, match="choose whose hours"):
        rule_create(actor=admin, name="Night", match="all", conditions=closed, actions={"owner": "ai"})
    team = TeamFactory()
    rule = rule_create(actor=admin, name="Night", match="all", conditions=closed,
                       actions={"owner": "team", "team_id": team.pk, "after_hours": "ai"})  # fmt: skip
    assert rule.conditions == closed


def test_an_integrations_user_is_not_an_agent_a_rule_can_name(admin):
    from inbox.api.services import integration_create
    from inbox.rules.admin import agent_choices

    integration, _ = integration_create(name="CRM sync", actor=admin)
    assert admin in agent_choices() and integration.user not in agent_choices()
