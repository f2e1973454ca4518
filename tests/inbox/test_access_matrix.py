"""Every URL in the URLconf, as anonymous, agent, team lead, other-team agent, other-team lead and
admin: who is sent to log in, who gets 403, who gets through.

A URL without an entry in EXPECTED (or PUBLIC) fails ``test_every_url_has_an_expectation``: add
one when you add a route.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from inbox.models import Conversation
from tests.factories import AgentFactory, AttachmentFactory, ConversationFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db

# Who may get through.
AGENT = "agent"  # any agent (role agent, lead or admin)
CONVERSATION = "conversation"  # agents who may see the conversation (its team, no team, or theirs)
LEAD = "lead"  # team leads and admins
TEAM_LEAD = "team_lead"  # leads of that team and admins
ADMIN = "admin"  # admins only
TOKEN = "token"  # the REST API: an integration token, never a session

ROLES = ["anonymous", "agent", "lead", "other_agent", "other_lead", "admin"]
ALLOWED = {
    AGENT: {"agent", "lead", "other_agent", "other_lead", "admin"},
    CONVERSATION: {"agent", "lead", "admin"},
    LEAD: {"lead", "other_lead", "admin"},
    TEAM_LEAD: {"lead", "admin"},
    ADMIN: {"admin"},
}

# name -> (who, method). Arguments: conversation and team ids are Billing's (the agent's and the
# lead's team); other ids point at nothing, so a permitted user may get 404, never 403.
EXPECTED = {
    # the inbox
    "inbox:home": (AGENT, "get"),
    "inbox:list": (AGENT, "get"),
    "inbox:sidebar": (AGENT, "get"),
    "inbox:search": (AGENT, "get"),
    "inbox:notifications": (AGENT, "get"),
    "inbox:notifications_read": (AGENT, "post"),
    "inbox:presence": (AGENT, "post"),
    "inbox:saved_filter_save": (AGENT, "post"),
    "inbox:saved_filter_delete": (AGENT, "post"),
    "inbox:conversation": (CONVERSATION, "get"),
    "inbox:attachment": (CONVERSATION, "get"),
    "inbox:take_over": (CONVERSATION, "post"),
    "inbox:handback": (CONVERSATION, "post"),
    "inbox:send": (CONVERSATION, "post"),
    "inbox:assign": (CONVERSATION, "post"),
    "inbox:hand_to_ai": (CONVERSATION, "post"),
    "inbox:status": (CONVERSATION, "post"),
    "inbox:priority": (CONVERSATION, "post"),
    "inbox:tags": (CONVERSATION, "post"),
    "inbox:contact_point_add": (CONVERSATION, "post"),
    "inbox:merge": (CONVERSATION, "post"),
    "twilio:whatsapp_panel": (CONVERSATION, "get"),
    # AI helpers in the conversation
    "agents:status": (AGENT, "get"),
    "agents:article_public": (AGENT, "get"),
    "agents:copilot_page": (CONVERSATION, "get"),
    "agents:summary": (CONVERSATION, "post"),
    "agents:rewrite": (CONVERSATION, "post"),
    "agents:typing": (CONVERSATION, "post"),
    "agents:decision": (CONVERSATION, "get"),
    "agents:decision_teach": (CONVERSATION, "post"),
    # leads
    "metrics:dashboard": (LEAD, "get"),
    "metrics:csv": (LEAD, "get"),
    "team_queue:index": (LEAD, "get"),
    "team_queue:queue": (TEAM_LEAD, "get"),
    "team_queue:assign": (TEAM_LEAD, "post"),
    "team_queue:capacity": (TEAM_LEAD, "post"),
    "team_queue:presence": (TEAM_LEAD, "post"),
    # admins
    "people:index": (ADMIN, "get"),
    "people:invite": (ADMIN, "post"),
    "people:agent": (ADMIN, "post"),
    "people:team_new": (ADMIN, "post"),
    "people:team": (ADMIN, "post"),
    "qa:queue": (ADMIN, "get"),
    "qa:acknowledge": (ADMIN, "post"),
    "qa:gap_close": (ADMIN, "post"),
    "qa:phrase_add": (ADMIN, "post"),
    "qa:phrase_remove": (ADMIN, "post"),
    "audit:log": (ADMIN, "get"),
    "integrations:index": (ADMIN, "get"),
    "integrations:add": (ADMIN, "post"),
    "integrations:revoke": (ADMIN, "post"),
    "integrations:access": (ADMIN, "post"),
    "integrations:endpoint_add": (ADMIN, "post"),
    "integrations:endpoint_toggle": (ADMIN, "post"),
    "agents:settings": (ADMIN, "get"),
    "agents:settings_articles": (ADMIN, "get"),
    "agents:settings_article_new": (ADMIN, "get"),
    "agents:settings_article": (ADMIN, "get"),
    "agents:settings_article_delete": (ADMIN, "post"),
    "agents:settings_import": (ADMIN, "post"),
    "agents:settings_reindex": (ADMIN, "post"),
    "agents:settings_job": (ADMIN, "get"),
    "agents:settings_procedures": (ADMIN, "get"),
    "agents:settings_procedure_new": (ADMIN, "get"),
    "agents:settings_procedure": (ADMIN, "get"),
    "agents:settings_intents": (ADMIN, "get"),
    "agents:settings_intent_toggle": (ADMIN, "post"),
    "agents:settings_topic_delete": (ADMIN, "post"),
    "agents:settings_examples": (ADMIN, "get"),
    "agents:settings_example_delete": (ADMIN, "post"),
    "settings:home": (ADMIN, "get"),
    "settings:rules": (ADMIN, "get"),
    "settings:rule_new": (ADMIN, "get"),
    "settings:rule_new_replay": (ADMIN, "post"),
    "settings:tester": (ADMIN, "get"),
    "settings:audit": (ADMIN, "get"),
    "settings:rule_edit": (ADMIN, "get"),
    "settings:rule_replay": (ADMIN, "post"),
    "settings:rule_toggle": (ADMIN, "post"),
    "settings:rule_move": (ADMIN, "post"),
    "settings:rule_delete": (ADMIN, "post"),
    "settings:rule_history": (ADMIN, "get"),
    "settings:teams": (ADMIN, "get"),
    "settings:hours": (ADMIN, "get"),
    "settings:hours_team": (ADMIN, "get"),
    "settings:sla": (ADMIN, "get"),
    "settings:sla_edit": (ADMIN, "get"),
    # the REST API (its scopes: tests/inbox/api/test_scopes.py)
    "api:customers": (TOKEN, "get"),
    "api:customer": (TOKEN, "get"),
    "api:conversations": (TOKEN, "get"),
    "api:conversation": (TOKEN, "get"),
    "api:messages": (TOKEN, "get"),
    "api:notes": (TOKEN, "post"),
    "api:assignment": (TOKEN, "post"),
    "api:status": (TOKEN, "post"),
}

# Open without a login, each for a reason (checked by their own tests).
PUBLIC = {
    "login": "the login page",
    "logout": "logging out",
    "password_change": "Django's own login_required",
    "password_change_done": "Django's own login_required",
    "password_reset": "asking for a reset link",
    "password_reset_done": "after asking",
    "password_reset_confirm": "the emailed one-time link",
    "password_reset_complete": "after resetting",
    "api:openapi": "the public API description",
    "api:not_found": "a JSON 404 for any other address under /api/v1/ (nothing to protect)",
    "api_not_found": "a JSON 404 for any other address under /api/",
    "csat:rate": "the customer's signed one-click rating link",
    "twilio:inbound": "Twilio-signed webhook",
    "twilio:status": "Twilio-signed webhook",
    "twilio:phone": "demo simulator (404 unless DEBUG or PHONE_SIMULATOR)",
    "twilio:phone_thread": "demo simulator",
    "twilio:phone_send": "demo simulator",
    "simulator:store": "demo storefront with the chat widget",
    "simulator:home": "demo simulator",
    "simulator:email": "demo simulator",
}


def _routes(patterns=None, prefix="", namespace=""):
    """(name, route) for every URL pattern, Django's admin (its own staff login) aside."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":
                continue
            ns = ":".join(filter(None, [namespace, p.namespace]))
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}:{p.name}" if namespace else p.name or ""), prefix + str(p.pattern)


def test_every_url_has_an_expectation():
    names = {name for name, _ in _routes()}
    missing = names - set(EXPECTED) - set(PUBLIC)
    assert not missing, f"Add these routes to EXPECTED or PUBLIC in {__file__}: {sorted(missing)}"
    assert not set(EXPECTED) & set(PUBLIC)
    assert not (set(EXPECTED) | set(PUBLIC)) - names, "stale entries"


@pytest.fixture
def world():
    billing, sales = TeamFactory(name="Billing"), TeamFactory(name="Sales")
    people = {}
    for key, role, team in [
        ("agent", "agent", billing),
        ("lead", "lead", billing),
        ("other_agent", "agent", sales),
        ("other_lead", "lead", sales),
        ("admin", "admin", None),
    ]:
        profile = AgentFactory(user__username=key, role=role)
        if team:
            profile.teams.add(team)
        people[key] = profile.user
    conversation = ConversationFactory(team=billing)
    attachment = AttachmentFactory(message=MessageFactory(conversation=conversation))
    return {"billing": billing, "people": people, "conversation": conversation, "attachment": attachment}


def _url(name: str, route: str, world) -> str:
    kwargs = {}
    if "<int:team_id>" in route:
        kwargs["team_id"] = world["billing"].pk
    if "<int:pk>" in route:
        if name == "inbox:attachment":
            kwargs["pk"] = world["attachment"].pk
        elif name in ("team_queue:capacity", "team_queue:presence"):
            kwargs["pk"] = world["people"]["agent"].pk
        elif "conversations/<int:pk>" in route:
            kwargs["pk"] = world["conversation"].pk
        else:
            kwargs["pk"] = 999_999
    if "<str:direction>" in route:
        kwargs["direction"] = "up"
    return reverse(name, kwargs=kwargs)


def _request(client: Client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url, {})


@pytest.mark.parametrize("name", sorted(n for n, (who, _) in EXPECTED.items() if who != TOKEN))
def test_each_page_lets_in_exactly_who_it_should(name, world):
    who, method = EXPECTED[name]
    route = dict(_routes())[name]
    url = _url(name, route, world)
    for role in ROLES:
        # Each role meets the conversation as it was: in Billing's queue (handing it to the AI,
        # say, takes it out of every team).
        Conversation.objects.filter(pk=world["conversation"].pk).update(
            team=world["billing"], owner="unassigned", assignee=None, status="open"
        )
        client = Client()
        if role != "anonymous":
            client.force_login(world["people"][role])
        response = _request(client, method, url)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], (name, role)
        elif role in ALLOWED[who]:
            assert response.status_code != 403, (name, role, response.content[:200])
            assert not (response.status_code == 302 and "/accounts/login/" in response["Location"]), (name, role)
            assert response.status_code < 500 or response.status_code in (502, 503), (name, role)
            if method == "get" and "999999" not in url:
                assert response.status_code in (200, 302), (name, role, response.status_code)
        else:
            assert response.status_code == 403, (name, role, response.status_code)
            assert response.content.strip(), "a 403 says why"


@pytest.mark.parametrize("name", sorted(n for n, (who, _) in EXPECTED.items() if who == TOKEN))
def test_api_routes_need_a_token_not_a_session(name, world):
    _, method = EXPECTED[name]
    route = dict(_routes())[name]
    url = _url(name, route, world).replace("999999", str(world["conversation"].customer_id))
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world["people"][role])
        response = _request(client, method, url)
        assert response.status_code == 401 and "Bearer" in response.json()["error"], (name, role)
