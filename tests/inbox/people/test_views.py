import pytest
from django.core import mail

from inbox.models import AgentProfile, Team
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AgentFactory(role=AgentProfile.Role.ADMIN).user)
    return client


def test_only_admins_manage_people(client):
    for role in (AgentProfile.Role.AGENT, AgentProfile.Role.LEAD):
        client.force_login(AgentFactory(role=role).user)
        assert client.get("/settings/people/").status_code == 403
        assert client.post("/settings/people/teams/", {"name": "Sneaky"}).status_code == 403
    assert not Team.objects.exists()


def test_the_page_lists_people_and_teams_in_a_constant_number_of_queries(admin_client, django_assert_max_num_queries):
    for _ in range(6):
        AgentFactory().teams.set([TeamFactory()])
    with django_assert_max_num_queries(10):
        page = admin_client.get("/settings/people/")
    assert page.status_code == 200 and page.content.decode().count("data-agent=") == 7


def test_integrations_are_not_listed_or_changed_as_people(admin_client):
    from inbox.api.services import integration_create

    integration, _ = integration_create(name="CRM sync", actor=AgentFactory().user)
    assert "CRM sync" not in admin_client.get("/settings/people/").content.decode()
    profile = AgentProfile.objects.get(user=integration.user)
    assert admin_client.post(f"/settings/people/agents/{profile.pk}/", {"active": "0"}).status_code == 404
    integration.user.refresh_from_db()
    assert integration.user.is_active


def test_invite_through_the_page_and_errors_are_shown(admin_client, django_capture_on_commit_callbacks):
    team = TeamFactory(name="Support")
    with django_capture_on_commit_callbacks(execute=True):
        ok = admin_client.post(
            "/settings/people/invite/",
            {"name": "Rosa Diaz", "email": "rosa@example.com", "role": "agent", "teams": [team.pk]},
            HTTP_HX_REQUEST="true",
        )
    assert ok.status_code == 200 and "Invited Rosa Diaz" in ok.content.decode() and len(mail.outbox) == 1

    bad = admin_client.post(
        "/settings/people/invite/", {"name": "<b>X</b>", "email": "nope", "role": "agent"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400 and "valid email" in bad.content.decode()
    assert "<b>X</b>" not in bad.content.decode()


def test_customer_controlled_names_are_escaped(admin_client):
    AgentFactory(user__first_name="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in admin_client.get("/settings/people/").content.decode()
