import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from inbox.api.services import integration_create, webhook_endpoint_create, webhook_endpoint_set_active
from inbox.audit.models import AuditEntry
from inbox.models import Conversation
from inbox.qa.services import compliance_phrase_add
from inbox.services import conversation_assign
from tests.factories import AgentFactory, ConversationFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return AgentFactory(role="admin", user__username="boss", user__is_staff=True, user__is_superuser=True).user


def test_ownership_changes_are_audited_with_before_and_after(admin):
    ana = AgentFactory(user__username="ana").user
    conversation = ConversationFactory()
    conversation_assign(conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=ana, actor=admin)
    entry = AuditEntry.objects.get(action="conversation.ownership")
    assert entry.actor == admin and entry.target_id == str(conversation.pk)
    assert entry.before == {"owner": "unassigned", "assignee": None, "team": None}
    assert entry.after["owner"] == "human" and entry.after["assignee"] == ana.pk


def test_settings_changes_are_audited(admin):
    integration_create(name="CRM", actor=admin)
    endpoint = webhook_endpoint_create(url="https://hooks.example/x", events=["message.created"], actor=admin)
    webhook_endpoint_set_active(endpoint=endpoint, active=False, actor=admin)
    compliance_phrase_add(phrase="full refund", label="refund promise", said_by="business", actor=admin)
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "integration.created",
        "webhook.created",
        "webhook.disabled",
        "qa.phrase_added",
    ]
    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {"boss"}


def test_user_changes_in_the_admin_are_audited(admin):
    client = Client()
    client.force_login(admin)
    ben = get_user_model().objects.create_user("ben", password="pw")
    response = client.post(
        f"/admin/auth/user/{ben.pk}/change/",
        {"username": "ben", "first_name": "Ben", "last_name": "", "email": "", "is_active": "on", "is_staff": "on",
         "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00", "initial-date_joined_0": "2026-01-01",
         "initial-date_joined_1": "10:00:00"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    entry = AuditEntry.objects.get(action="user.updated")
    assert entry.before["is_staff"] is False and entry.after["is_staff"] is True
    assert entry.after["first_name"] == "Ben"


def test_the_audit_log_is_for_admins_and_filters(admin, agent_client):
    integration_create(name="CRM", actor=admin)
    compliance_phrase_add(phrase="sue", label="legal", said_by="customer", actor=admin)
    assert agent_client.get("/settings/audit/").status_code == 403

    client = Client()
    client.force_login(admin)
    everything = client.get("/settings/audit/").context["entries"]
    assert len(everything) == 2
    only_qa = client.get("/settings/audit/", {"action": "qa."}).context["entries"]
    assert [e.action for e in only_qa] == ["qa.phrase_added"]
    assert client.get("/settings/audit/", {"start": "not-a-date"}).status_code == 200


def test_the_audit_log_shows_values_as_readable_fields(admin):
    conversation = ConversationFactory()
    conversation_assign(conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=admin, actor=admin)
    integration_create(name="CRM <b>sync</b>", actor=admin)
    client = Client()
    client.force_login(admin)
    page = client.get("/settings/audit/").content.decode()
    assert "owner:</span> human" in page and "assignee:</span> —" in page  # not {'owner': 'human', ...}
    assert "{&#x27;" not in page and "None" not in page
    assert "name:</span> CRM &lt;b&gt;sync&lt;/b&gt;" in page


def test_the_audit_log_shows_nested_values_instead_of_failing(admin):
    # A rule's conditions or an AI setting are stored as nested JSON; the page once answered 500 on them.
    AuditEntry.objects.create(
        actor=admin, actor_label="boss", action="rule.updated", target_type="rule", target_id="7",
        before={"conditions": {"intent": "returns"}, "assignee": None},
        after={"conditions": {"intent": "returns", "language": ["es", "pt"]}, "team": [1, 2]},
    )  # fmt: skip
    client = Client()
    client.force_login(admin)
    response = client.get("/settings/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "conditions:</span> {&quot;intent&quot;: &quot;returns&quot;, &quot;language&quot;: [&quot;es&quot;" in page


def test_the_audit_log_names_the_people_and_teams_it_changed(admin, django_assert_max_num_queries):
    billing = TeamFactory(name="Billing")
    ana = AgentFactory(user__first_name="Ana", user__last_name="Ruiz").user
    for _ in range(3):
        conversation = ConversationFactory()
        conversation_assign(conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=ana, team=billing,
                            actor=admin)  # fmt: skip
    client = Client()
    client.force_login(admin)
    page = client.get("/settings/audit/").content.decode()
    assert f"assignee:</span> Ana Ruiz (#{ana.pk})" in page and f"team:</span> Billing (#{billing.pk})" in page
    assert f"#{conversation.pk} #{conversation.pk}" not in page  # the conversation's label is its id: once
    with django_assert_max_num_queries(12):  # names are looked up once per kind, not per row
        client.get("/settings/audit/")
