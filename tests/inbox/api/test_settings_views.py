import pytest
from django.test import Client

from inbox.api.models import Integration, WebhookEndpoint
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(AgentFactory(role="admin").user)
    return client


def test_agents_cannot_open_or_change_integrations(agent_client):
    assert agent_client.get("/settings/integrations/").status_code == 403
    assert agent_client.post("/settings/integrations/tokens/", {"name": "x"}).status_code == 403
    assert not Integration.objects.exists()


def test_an_admin_creates_a_token_and_sees_it_once(admin_client):
    page = admin_client.post("/settings/integrations/tokens/", {"name": "CRM"}, follow=True).content.decode()
    integration = Integration.objects.get()
    assert "Copy it now" in page and integration.token_prefix in page
    again = admin_client.get("/settings/integrations/").content.decode()
    assert "Copy it now" not in again


def test_a_bad_endpoint_shows_a_message_and_stores_nothing(admin_client):
    page = admin_client.post(
        "/settings/integrations/webhooks/", {"url": "not a url", "events": ["message.created"]}, follow=True
    ).content.decode()
    assert "must be an http(s) URL" in page
    assert not WebhookEndpoint.objects.exists()


def test_a_disabled_endpoint_is_flagged_and_can_be_enabled_again(admin_client):
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example/x", events=["message.created"], active=False, disabled_reason="5 failed"
    )
    assert "Disabled: 5 failed" in admin_client.get("/settings/integrations/").content.decode()
    admin_client.post(f"/settings/integrations/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0
