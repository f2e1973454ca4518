import pytest

from channels_app.widget.availability import chat_available
from inbox.hours import business_hours_set
from tests.factories import AgentFactory, RoutingRuleFactory, TeamFactory

pytestmark = pytest.mark.django_db
CHATS = [{"field": "channel", "value": ["chat"]}]


def _support_closed():
    team = TeamFactory(name="Support")
    business_hours_set(team=team, timezone="UTC", weekly={}, holidays=[])  # never open
    return team


def test_nobody_online_and_no_rule_for_the_ai_means_nobody_answers():
    AgentFactory(presence="offline")
    assert chat_available() is False


def test_an_agent_online_answers():
    AgentFactory(presence="online")
    assert chat_available() is True


def test_a_rule_giving_chats_to_the_ai_answers_while_nobody_is_online():
    RoutingRuleFactory(conditions=CHATS, actions={"owner": "ai", "stop": True})
    assert chat_available() is True


@pytest.mark.parametrize(("after_hours", "available"), [("ai", True), ("queue", False)])
def test_a_closed_teams_chats_are_answered_only_if_the_ai_covers_after_hours(after_hours, available):
    team = _support_closed()
    RoutingRuleFactory(conditions=CHATS, actions={"owner": "team", "team_id": team.pk, "after_hours": after_hours})
    assert chat_available() is available


def test_a_rule_for_other_channels_does_not_count():
    RoutingRuleFactory(conditions=[{"field": "channel", "value": ["email"]}], actions={"owner": "ai"})
    assert chat_available() is False
