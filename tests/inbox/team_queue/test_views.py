"""The team lead's queue page: who may open it, what it shows, and each action through the services."""

import pytest
from django.test import Client
from django.urls import reverse

from inbox.audit.models import AuditEntry
from inbox.events import INBOX_GROUP
from inbox.models import AgentProfile, Conversation, Notification
from tests.factories import AgentFactory, ConversationFactory, TeamFactory
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def team():
    billing, sales = TeamFactory(name="Billing"), TeamFactory(name="Sales")
    lead = AgentFactory(user__username="lea", user__first_name="Lea", role=AgentProfile.Role.LEAD)
    lead.teams.add(billing)
    ana = AgentFactory(user__username="ana", user__first_name="Ana", capacity=3)
    ana.teams.add(billing)
    ben = AgentFactory(user__username="ben", user__first_name="Ben")
    ben.teams.add(billing)
    sales_lead = AgentFactory(user__username="sam", role=AgentProfile.Role.LEAD)
    sales_lead.teams.add(sales)
    return {
        "billing": billing,
        "sales": sales,
        "lead": lead.user,
        "ana": ana.user,
        "ben": ben.user,
        "sales_lead": sales_lead.user,
        "backlog": ConversationFactory(team=billing, subject="waiting for someone"),
        "held": ConversationFactory(team=billing, owner="human", assignee=ana.user, subject="ana has it"),
        "elsewhere": ConversationFactory(team=sales, subject="sales only"),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(team, name="queue", *args):
    return reverse(f"team_queue:{name}", args=[team["billing"].pk, *args])


def test_a_lead_sees_the_backlog_members_load_capacity_and_presence(team):
    page = _client(team["lead"]).get(_url(team)).content.decode()
    assert "Billing queue" in page
    assert "waiting for someone" in page and "ana has it" in page and "sales only" not in page
    assert 'data-count="backlog">1<' in page and 'data-count="open">2<' in page
    assert "1 / 3" in page, "Ana's open load over her capacity"
    assert 'id="capacity-' in page and "End shift" in page


def test_team_queue_index_sends_a_lead_to_their_team(team):
    response = _client(team["lead"]).get(reverse("team_queue:index"))
    assert response.status_code == 302 and response["Location"] == _url(team)


@pytest.mark.parametrize("who", ["ana", "sales_lead"])
def test_agents_and_other_teams_leads_get_403_with_a_reason(team, who):
    client = _client(team[who])
    response = client.get(_url(team))
    assert response.status_code == 403
    assert "lead" in response.content.decode()
    response = client.post(_url(team, "assign", team["held"].pk), {"target": "backlog"}, **HTMX)
    assert response.status_code == 403
    team["held"].refresh_from_db()
    assert team["held"].assignee == team["ana"]


def test_an_agent_asking_for_the_team_queue_is_told_why_not(team):
    response = _client(team["ana"]).get(reverse("team_queue:index"))
    assert response.status_code == 403 and "team leads and admins" in response.content.decode()


def test_an_admin_manages_any_team(team):
    admin = AgentFactory(role=AgentProfile.Role.ADMIN).user
    assert _client(admin).get(_url(team)).status_code == 200


def test_reassign_to_a_member_back_to_backlog_and_move_to_another_team(team, django_capture_on_commit_callbacks):
    lead = _client(team["lead"])
    held = team["held"]
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        response = lead.post(_url(team, "assign", held.pk), {"target": f"agent:{team['ben'].pk}"}, **HTMX)
    assert response.status_code == 200 and "Ben" in response.content.decode()
    held.refresh_from_db()
    assert (held.owner, held.assignee, held.team) == ("human", team["ben"], team["billing"])
    assert any(e["type"] == "conversation" and e["op"] == "assigned" and INBOX_GROUP in g for g, e in sent)
    assert Notification.objects.filter(user=team["ben"], conversation=held).exists()
    assert AuditEntry.objects.filter(
        action="conversation.ownership", target_id=str(held.pk), actor=team["lead"]
    ).exists()

    lead.post(_url(team, "assign", held.pk), {"target": "backlog"}, **HTMX)
    held.refresh_from_db()
    assert (held.owner, held.assignee, held.team) == ("unassigned", None, team["billing"])

    lead.post(_url(team, "assign", held.pk), {"target": f"team:{team['sales'].pk}"}, **HTMX)
    held.refresh_from_db()
    assert (held.owner, held.team) == ("unassigned", team["sales"])


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("agent:{outsider}", "not a member of Billing"),
        ("team:999999", "No such team"),
        ("nonsense", "Choose a member"),
    ],
)
def test_bad_assignments_say_why_and_change_nothing(team, target, reason):
    outsider = AgentFactory().user
    response = _client(team["lead"]).post(
        _url(team, "assign", team["held"].pk), {"target": target.format(outsider=outsider.pk)}, **HTMX
    )
    assert response.status_code == 400 and reason in response.content.decode()
    team["held"].refresh_from_db()
    assert team["held"].assignee == team["ana"]


def test_a_lead_cannot_reach_into_another_teams_conversation_through_their_page(team):
    response = _client(team["lead"]).post(_url(team, "assign", team["elsewhere"].pk), {"target": "backlog"}, **HTMX)
    assert response.status_code == 400 and "not in the Billing queue" in response.content.decode()


def test_capacity_and_end_of_shift_are_audited_and_published(team, django_capture_on_commit_callbacks):
    lead = _client(team["lead"])
    ana = team["ana"]
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        assert lead.post(_url(team, "capacity", ana.pk), {"capacity": "6"}, **HTMX).status_code == 200
        assert lead.post(_url(team, "presence", ana.pk), {"presence": "offline"}, **HTMX).status_code == 200
    ana.agent.refresh_from_db()
    assert (ana.agent.capacity, ana.agent.presence) == (6, "offline")
    assert AuditEntry.objects.filter(action="agent.capacity", actor=team["lead"], after={"capacity": 6}).exists()
    assert AuditEntry.objects.filter(
        action="agent.presence", actor=team["lead"], after={"presence": "offline"}
    ).exists()
    kinds = {(e["type"], e["op"]) for _, e in sent}
    assert {("agent", "capacity"), ("agent", "presence")} <= kinds


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("capacity", {"capacity": "0"}, "between 1 and 100"),
        ("capacity", {"capacity": "many"}, "whole number"),
        ("presence", {"presence": "online"}, "away or offline"),
    ],
)
def test_bad_member_changes_say_why(team, name, data, reason):
    response = _client(team["lead"]).post(_url(team, name, team["ana"].pk), data, **HTMX)
    assert response.status_code == 400 and reason in response.content.decode()
    team["ana"].agent.refresh_from_db()
    assert (team["ana"].agent.capacity, team["ana"].agent.presence) == (3, "online")


def test_a_member_of_another_team_cannot_be_changed_from_this_page(team):
    response = _client(team["lead"]).post(_url(team, "capacity", team["sales_lead"].pk), {"capacity": "9"}, **HTMX)
    assert response.status_code == 400 and "not a member" in response.content.decode()


def test_the_queue_page_is_a_constant_number_of_queries(team, django_assert_max_num_queries):
    lead = _client(team["lead"])
    with django_assert_max_num_queries(30) as small:
        assert lead.get(_url(team)).status_code == 200
    for _ in range(15):
        member = AgentFactory()
        member.teams.add(team["billing"])
        ConversationFactory(team=team["billing"], owner="human", assignee=member.user)
        ConversationFactory(team=team["billing"])
        TeamFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert lead.get(_url(team)).status_code == 200
    assert Conversation.objects.filter(team=team["billing"]).count() == 32
