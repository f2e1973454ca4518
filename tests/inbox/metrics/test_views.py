import pytest
from django.test import Client

from inbox.metrics.facts import conversation_facts_refresh
from inbox.models import Channel
from inbox.services import message_append_outbound, message_receive
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _client(**agent) -> Client:
    client = Client()
    client.force_login(AgentFactory(**agent).user)
    return client


def test_agents_cannot_see_the_dashboard(agent_client):
    assert agent_client.get("/metrics/").status_code == 403
    assert agent_client.get("/metrics/export.csv").status_code == 403


def test_admins_see_numbers_and_bad_filters_fall_back(agent):
    conversation = message_receive(channel=Channel.SMS, address="+15551230000", text="hi").message.conversation
    message_append_outbound(conversation=conversation, channel=Channel.SMS, text="hello", author=agent.user)
    conversation_facts_refresh()

    page = _client(role="admin").get("/metrics/", {"start": "garbage", "channel": "<script>", "team": "x"})
    assert page.status_code == 200
    assert page.context["summary"]["conversations"] == 1
    assert "<script>" not in page.content.decode().split('id="chart-data"')[0]
    assert not page.context["filters"].business_hours

    business = _client(role="admin").get("/metrics/", {"business_hours": "1"})
    assert business.context["filters"].business_hours
    assert 'name="business_hours" value="1" checked' in business.content.decode()


def test_a_team_lead_sees_only_their_teams():
    support, billing = TeamFactory(name="Support"), TeamFactory(name="Billing")
    for team, address in ((support, "+15551230000"), (billing, "+15551230001")):
        conversation = message_receive(channel=Channel.SMS, address=address, text="hi").message.conversation
        conversation.team = team
        conversation.save()
    conversation_facts_refresh()
    lead = AgentFactory(role="lead")
    lead.teams.add(support)
    client = Client()
    client.force_login(lead.user)
    assert client.get("/metrics/").context["summary"]["conversations"] == 1
    assert _client(role="admin").get("/metrics/").context["summary"]["conversations"] == 2


def test_a_team_leads_agent_filter_offers_only_their_teams_members():
    support, billing = TeamFactory(name="Support"), TeamFactory(name="Billing")
    ana, bo = AgentFactory(user__first_name="Ana"), AgentFactory(user__first_name="Bo")
    ana.teams.add(support)
    bo.teams.add(billing)
    lead = AgentFactory(role="lead", user__first_name="Lea")
    lead.teams.add(support)
    client = Client()
    client.force_login(lead.user)

    offered = {p.user.first_name for p in client.get("/metrics/").context["agents"]}

    assert "Ana" in offered and "Bo" not in offered
    assert {"Ana", "Bo"} <= {p.user.first_name for p in _client(role="admin").get("/metrics/").context["agents"]}


def test_csv_export(agent):
    conversation = message_receive(channel=Channel.EMAIL, address="a@example.com", text="hi").message.conversation
    message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="hello", author=agent.user)
    conversation_facts_refresh()
    response = _client(role="admin").get("/metrics/export.csv")
    lines = response.content.decode().splitlines()
    assert response["Content-Type"] == "text/csv"
    assert lines[0] == (
        "group,name,conversations,frt_median_seconds,frt_p90_seconds,nrt_median_seconds,resolution_median_seconds,"
        "resolution_p90_seconds,conversations_per_agent_hour"
    )
    assert lines[1].startswith("channel,email,1,")
    assert any(line.startswith("agent,Ana,1,") for line in lines)
