"""Per-integration scopes (read: GETs, write: POSTs) and team reach, on every API route."""

import pytest
from django.test import Client

from inbox.api.models import Integration
from inbox.api.openapi import SPEC
from inbox.api.services import integration_access_set, integration_create
from inbox.audit.models import AuditEntry
from inbox.models import AgentProfile
from tests.factories import AgentFactory, ConversationFactory, TeamFactory
from tests.inbox.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return AgentFactory(role="admin").user


def _token(admin, *, scopes, teams=()) -> ApiClient:
    integration, token = integration_create(name=f"CRM {'-'.join(scopes)}", actor=admin)
    integration_access_set(integration=integration, scopes=scopes, team_ids=[t.pk for t in teams], actor=admin)
    return ApiClient(token)


def _routes() -> list[tuple[str, str]]:
    """(method, path) of every documented operation, with a real conversation/customer id."""
    return [(method, path) for path, operations in SPEC["paths"].items() for method in operations]


def test_every_route_refuses_a_token_without_its_scope(admin):
    conversation = ConversationFactory()
    readonly, writeonly = _token(admin, scopes=["read"]), _token(admin, scopes=["write"])
    for method, path in _routes():
        concrete = path.replace("{pk}", str(conversation.pk if "conversations" in path else conversation.customer_id))
        concrete = concrete.lstrip("/")
        if method == "get":
            assert readonly.get(concrete).status_code == 200, path
            response = writeonly.get(concrete)
            assert response.status_code == 403 and "'read' scope" in response.json()["error"], path
        else:
            response = readonly.post(concrete, {"text": "hi", "channel": "email", "owner": "ai", "status": "resolved"})
            assert response.status_code == 403 and "'write' scope" in response.json()["error"], path
    conversation.refresh_from_db()
    assert (conversation.status, conversation.owner) == ("open", "unassigned"), "nothing changed"
    assert not conversation.messages.exists()


def test_a_team_scoped_token_reaches_only_its_teams_and_unteamed_conversations(admin):
    billing, sales = TeamFactory(name="Billing"), TeamFactory(name="Sales")
    own, other, unteamed = ConversationFactory(team=billing), ConversationFactory(team=sales), ConversationFactory()
    api = _token(admin, scopes=["read", "write"], teams=[billing])
    listed = {row["id"] for row in api.get("conversations").json()["results"]}
    assert listed == {own.pk, unteamed.pk}
    response = api.get(f"conversations/{other.pk}")
    assert response.status_code == 403 and "another team" in response.json()["error"]
    assert api.post(f"conversations/{other.pk}/status", {"status": "resolved"}).status_code == 403
    assert api.post(f"conversations/{own.pk}/status", {"status": "resolved"}).status_code == 200
    other.refresh_from_db()
    assert other.status == "open"


def test_new_tokens_read_and_write_everything_until_narrowed(admin):
    integration, _ = integration_create(name="Zapier", actor=admin)
    assert integration.scopes == ["read", "write"]
    assert integration.user.agent.role == AgentProfile.Role.ADMIN


def test_admins_edit_scopes_and_reach_in_settings_and_it_is_audited(admin):
    integration, _ = integration_create(name="Helpdesk", actor=admin)
    billing = TeamFactory(name="Billing")
    client = Client()
    client.force_login(admin)
    url = f"/settings/integrations/tokens/{integration.pk}/access/"
    page = client.post(url, {"scopes": ["read"], "teams": [billing.pk]}, follow=True).content.decode()
    integration.refresh_from_db()
    assert integration.scopes == ["read"]
    assert list(integration.user.agent.teams.all()) == [billing] and integration.user.agent.role == "agent"
    assert "Access of Helpdesk saved" in page and "Billing (and no-team)" in page
    assert AuditEntry.objects.filter(action="integration.access", actor=admin, after__scopes=["read"]).exists()

    page = client.post(url, {"scopes": []}, follow=True)
    assert "Choose the token&#x27;s scopes" in page.content.decode()
    integration.refresh_from_db()
    assert integration.scopes == ["read"], "a bad form changes nothing"


def test_agents_cannot_change_a_tokens_access(agent_client, admin):
    integration, _ = integration_create(name="Helpdesk", actor=admin)
    response = agent_client.post(f"/settings/integrations/tokens/{integration.pk}/access/", {"scopes": ["read"]})
    assert response.status_code == 403
    assert Integration.objects.get().scopes == ["read", "write"]


def test_the_schema_documents_the_scope_of_every_operation():
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            expected = "read" if method == "get" else "write"
            assert operation["security"] == [{"token": [expected]}], (method, path)
            assert "403" in operation["responses"]
    assert "scopes" in SPEC["components"]["securitySchemes"]["token"]["description"]
