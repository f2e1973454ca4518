"""The settings area: admins only, rule editing with clear errors, htmx partials, tester, replay."""

import pytest
from django.test import Client
from django.urls import reverse

from inbox.models_routing import BusinessHours, RoutingRule, RuleVersion, SlaPolicy
from tests.factories import AgentFactory, RoutingRuleFactory, SlaPolicyFactory, TeamFactory

pytestmark = pytest.mark.django_db

PAGES = ["/settings/", "/settings/rules/", "/settings/rules/new/", "/settings/rules/test/", "/settings/rules/audit/",
         "/settings/teams/", "/settings/hours/", "/settings/sla/"]  # fmt: skip


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(AgentFactory(role="admin", user__username="avery").user)
    return client


def rule_form(**overrides):
    data = {"name": "Refunds", "match": "all", "text_contains": "refund, money back", "owner": "ai",
            "procedure": "refunds", "after_hours": "queue", "stop": "on"}  # fmt: skip
    return {**data, **overrides}


@pytest.mark.parametrize("url", PAGES)
def test_agents_get_403_and_anonymous_users_go_to_login(url, agent_client):
    assert agent_client.get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_agents_cannot_change_rules(agent_client):
    rule = RoutingRuleFactory()
    for url, data in [
        ("/settings/rules/new/", rule_form()),
        (f"/settings/rules/{rule.pk}/", rule_form()),
        (f"/settings/rules/{rule.pk}/toggle/", {}),
        (f"/settings/rules/{rule.pk}/move/up/", {}),
        (f"/settings/rules/{rule.pk}/delete/", {}),
    ]:
        assert agent_client.post(url, data).status_code == 403
    rule.refresh_from_db()
    assert rule.enabled and rule.version == 1 and RoutingRule.objects.filter(name="Refunds").count() == 0


@pytest.mark.parametrize("url", PAGES)
def test_admins_see_every_page_with_the_settings_nav(url, admin_client):
    response = admin_client.get(url, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    for link in ("Routing rules", "Assignment &amp; capacity", "Business hours", "SLA policies",
                 'href="/settings/ai/articles/"', 'href="/settings/ai/procedures/"'):  # fmt: skip
        assert link in html


def test_an_admin_creates_a_rule_and_it_is_audited(admin_client):
    response = admin_client.post("/settings/rules/new/", rule_form())
    assert response.status_code == 302
    rule = RoutingRule.objects.get(name="Refunds")
    assert rule.conditions == [{"field": "text_contains", "value": ["refund", "money back"]}]
    assert rule.actions == {"owner": "ai", "stop": True, "procedure": "refunds"}
    version = RuleVersion.objects.get(rule=rule)
    assert version.actor.username == "avery" and version.change == "created"
    listing = admin_client.get("/settings/rules/").content.decode()
    assert "Refunds" in listing and "Text contains: refund, money back" in listing


def test_invalid_rules_show_every_error_and_store_nothing(admin_client):
    response = admin_client.post("/settings/rules/new/", rule_form(text_contains="", text_matches="(a+)+",
                                                                   owner="team"))  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "The rule was not saved" in html
    assert "repeats a group" in html and "Choose the team that gets the conversation" in html
    assert not RoutingRule.objects.filter(name="Refunds").exists()


def test_editing_prefills_the_form_and_saves_a_new_version(admin_client):
    team = TeamFactory(name="Billing")
    admin_client.post("/settings/rules/new/", rule_form(channels=["sms", "email"], intent="billing",
                                                        intent_min_confidence="0.8"))  # fmt: skip
    rule = RoutingRule.objects.get(name="Refunds")
    page = admin_client.get(f"/settings/rules/{rule.pk}/").content.decode()
    assert 'value="refund, money back"' in page and 'value="0.8"' in page
    response = admin_client.post(f"/settings/rules/{rule.pk}/", rule_form(owner="team", team=team.pk,
                                                                          channels=["sms"]))  # fmt: skip
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.version == 2 and rule.actions["team_id"] == team.pk
    assert {"field": "channel", "value": ["sms"]} in rule.conditions


def test_toggle_move_and_delete_return_the_table_partial_over_htmx(admin_client):
    a = RoutingRuleFactory(name="A", position=1)
    b = RoutingRuleFactory(name="B", position=2)
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = admin_client.post(f"/settings/rules/{a.pk}/toggle/", **htmx)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "Disabled" in response.content.decode()
    admin_client.post(f"/settings/rules/{b.pk}/move/up/", **htmx)
    assert list(RoutingRule.objects.filter(is_default=False).values_list("name", flat=True)) == ["B", "A"]
    default = RoutingRule.objects.get(is_default=True)
    refused = admin_client.post(f"/settings/rules/{default.pk}/delete/", **htmx)
    assert refused.status_code == 400 and "cannot be deleted" in refused.content.decode()
    admin_client.post(f"/settings/rules/{a.pk}/delete/", **htmx)
    assert not RoutingRule.objects.filter(pk=a.pk).exists()


def test_the_tester_page_returns_the_decision_partial(admin_client):
    RoutingRuleFactory(name="WhatsApp to AI", conditions=[{"field": "channel", "value": ["whatsapp"]}],
                       actions={"owner": "ai"})  # fmt: skip
    response = admin_client.post("/settings/rules/test/", {"text": "hello", "channel": "whatsapp"},
                                 HTTP_HX_REQUEST="true")  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and "Decision: AI agent" in html and "channel=whatsapp" in html
    bad = admin_client.post("/settings/rules/test/", {"text": "", "channel": "fax"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "Sample message" in bad.content.decode()


def test_the_tester_decides_the_sample_text_itself_when_no_signal_is_given(admin_client):
    RoutingRuleFactory(name="People for people", conditions=[{"field": "human_reason", "value": ["asks_human"]}],
                       actions={"owner": "team"})  # fmt: skip
    asked = {"channel": "whatsapp", "text": "please let me talk to a real person, not a bot"}
    html = admin_client.post("/settings/rules/test/", asked, HTTP_HX_REQUEST="true").content.decode()
    assert "People for people" in html and "Decision: AI agent" not in html and "— no match" not in html
    routine = {"channel": "whatsapp", "text": "how long does delivery to Canada take?"}
    html = admin_client.post("/settings/rules/test/", routine, HTTP_HX_REQUEST="true").content.decode()
    assert "<strong>People for people</strong> — no match" in html and "no reason a person should own it" in html


def test_replay_of_a_draft_from_the_edit_form_saves_nothing(admin_client):
    response = admin_client.post("/settings/rules/new/replay/", {**rule_form(), "days": "7"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "would be decided differently" in response.content.decode()
    assert not RoutingRule.objects.filter(name="Refunds").exists()
    invalid = admin_client.post("/settings/rules/new/replay/", {**rule_form(name=""), "days": "7"})
    assert invalid.status_code == 400 and "Name: This field is required." in invalid.content.decode()
    assert admin_client.post("/settings/rules/new/replay/", {**rule_form(), "days": "5000"}).status_code == 400


def test_business_hours_form_validates_and_saves(admin_client):
    team = TeamFactory(name="Support")
    bad = admin_client.post(f"/settings/hours/{team.pk}/", {"timezone": "Nowhere/Land", "day_0": "09:00-17:00"})
    assert bad.status_code == 400 and "not a time zone" in bad.content.decode()
    data = {"timezone": "Europe/Berlin", "day_0": "09:00-12:00, 13:00-17:00", "holidays": "2026-12-25"}
    ok = admin_client.post(f"/settings/hours/{team.pk}/", data)
    assert ok.status_code == 200 and "Saved." in ok.content.decode()
    hours = BusinessHours.objects.get(team=team)
    assert hours.weekly == {"0": [["09:00", "12:00"], ["13:00", "17:00"]]} and str(hours.holidays[0]) == "2026-12-25"


def test_business_hours_form_shows_every_mistake_at_its_field_and_saves_nothing(admin_client):
    team = TeamFactory(name="Support")
    data = {"timezone": "Nowhere/Land", "day_0": "17:00-09:00", "day_2": "nine to five",
            "holidays": "25/12\n2026-12-31"}  # fmt: skip
    page = admin_client.post(f"/settings/hours/{team.pk}/", data)
    body = page.content.decode()
    assert page.status_code == 400
    for reason in ("not a time zone", "Monday: 17:00-09:00 ends before it starts", "is not HH:MM-HH:MM",
                   "&#x27;25/12&#x27; is not a date"):  # fmt: skip
        assert reason in body, reason
    assert not BusinessHours.objects.filter(team=team).exists()


def test_sla_policy_form_needs_a_target(admin_client):
    bad = admin_client.post("/settings/sla/", {"name": "Empty", "warn_before_minutes": 10, "breach_action": "notify"})
    assert bad.status_code == 400 and "Set at least one target" in bad.content.decode()
    ok = admin_client.post("/settings/sla/", {"name": "Std", "first_response_minutes": 60, "warn_before_minutes": 10,
                                              "breach_action": "raise_priority"})  # fmt: skip
    assert ok.status_code == 302 and SlaPolicy.objects.get(name="Std").first_response_minutes == 60


def test_sla_targets_not_set_show_a_dash_without_a_unit(admin_client):
    SlaPolicyFactory(name="VIP", first_response_minutes=15, next_response_minutes=None, resolution_minutes=None)
    page = admin_client.get("/settings/sla/").content.decode()
    assert "<td>15 min</td><td>—</td><td>—</td>" in page and "— min" not in page


def test_teams_page_changes_policy_and_capacity(admin_client):
    team = TeamFactory(assignment_policy="least_loaded")
    agent = AgentFactory(capacity=3)
    admin_client.post("/settings/teams/", {"team": team.pk, "policy": "round_robin"}, HTTP_HX_REQUEST="true")
    response = admin_client.post("/settings/teams/", {"agent": agent.pk, "capacity": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "between 1 and 100" in response.content.decode()
    team.refresh_from_db()
    agent.refresh_from_db()
    assert team.assignment_policy == "round_robin" and agent.capacity == 3


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/settings/rules/", "/settings/rules/audit/", "/settings/teams/", "/settings/sla/"])
def test_settings_lists_take_a_fixed_number_of_queries(url, admin_client):
    from inbox.rules.admin import rule_create

    def grow(n):
        for i in range(n):
            team = TeamFactory()
            AgentFactory().teams.add(team)
            sms = [{"field": "channel", "value": ["sms"]}]
            rule_create(actor=None, name=f"R{team.pk}", match="all", conditions=sms,
                        actions={"owner": "team", "team_id": team.pk})  # fmt: skip
            SlaPolicy.objects.create(name=f"P{team.pk}", first_response_minutes=i + 1)

    grow(1)
    _queries(admin_client, url)  # the first visit creates the default rule
    few = _queries(admin_client, url)
    grow(8)
    assert _queries(admin_client, url) == few


@pytest.mark.parametrize(
    ("url", "current"),
    [("integrations:index", "Integrations &amp; webhooks"), ("qa:queue", "QA review"), ("audit:log", "Audit trail")],
)
def test_admin_pages_reached_from_settings_keep_its_navigation(admin_client, url, current):
    page = admin_client.get(reverse(url)).content.decode()
    assert 'class="settings-nav" aria-label="Settings"' in page
    assert f'aria-current="page">{current}</a>' in page
