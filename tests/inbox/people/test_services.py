import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError

from inbox.audit.models import AuditEntry
from inbox.models import AgentProfile, Conversation
from inbox.people.services import (
    agent_invite,
    agent_set_active,
    agent_update,
    team_create,
    team_delete,
    team_rename,
)
from inbox.services import conversation_assign
from tests.factories import AgentFactory, ConversationFactory, TeamFactory

pytestmark = pytest.mark.django_db
Role = AgentProfile.Role


@pytest.fixture
def admin():
    return AgentFactory(role=Role.ADMIN).user


def test_an_invited_agent_chooses_a_password_from_the_email_and_logs_in(
    admin, client, django_capture_on_commit_callbacks
):
    support = TeamFactory(name="Support")
    with django_capture_on_commit_callbacks(execute=True):
        profile = agent_invite(
            actor=admin, name="Rosa Diaz", email=" Rosa@Example.com ", role=Role.LEAD, teams=[support]
        )

    assert (profile.user.username, profile.user.first_name, profile.user.last_name) == (
        "rosa@example.com",
        "Rosa",
        "Diaz",
    )
    assert not profile.user.has_usable_password() and list(profile.teams.all()) == [support]
    [invite] = mail.outbox
    assert invite.to == ["rosa@example.com"]
    link = re.search(r"http://\S+", invite.body).group(0)
    path = link.split("//", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)  # Django swaps the token for a session-bound URL
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-long-pass-93", "new_password2": "a-long-pass-93"}
    )
    assert response.status_code == 302
    assert client.login(username="rosa@example.com", password="a-long-pass-93")
    entry = AuditEntry.objects.get(action="agent.invited")
    assert entry.actor == admin and entry.after == {"role": "lead", "teams": ["Support"], "active": True}


@pytest.mark.parametrize(
    ("name", "email", "role", "message"),
    [
        ("Rosa", "not-an-email", "agent", "valid email"),
        ("", "rosa@example.com", "agent", "name"),
        ("Rosa", "rosa@example.com", "boss", "Unknown role"),
    ],
)
def test_bad_invitations_are_refused_and_nothing_is_stored(admin, name, email, role, message):
    users = get_user_model().objects.count()
    with pytest.raises(ValidationError, match=message):
        agent_invite(actor=admin, name=name, email=email, role=role, teams=[])
    assert get_user_model().objects.count() == users and not mail.outbox


def test_an_address_cannot_be_invited_twice(admin):
    agent_invite(actor=admin, name="Rosa", email="rosa@example.com", role=Role.AGENT, teams=[])
    with pytest.raises(ValidationError, match="already has a login"):
        agent_invite(actor=admin, name="Rosa again", email="ROSA@example.com", role=Role.AGENT, teams=[])


def test_role_and_team_changes_are_audited_with_before_and_after(admin):
    support, billing = TeamFactory(name="Support"), TeamFactory(name="Billing")
    profile = AgentFactory()
    profile.teams.set([support])
    agent_update(actor=admin, profile=profile, role=Role.LEAD, teams=[billing, support])
    entry = AuditEntry.objects.get(action="agent.updated")
    assert entry.before["role"] == "agent" and entry.after["role"] == "lead"
    assert entry.after["teams"] == ["Billing", "Support"]

    agent_update(actor=admin, profile=profile, role=Role.LEAD, teams=[billing, support])  # no change
    assert AuditEntry.objects.filter(action="agent.updated").count() == 1


def test_the_last_admin_stays_an_admin(admin):
    me = AgentProfile.objects.get(user=admin)
    with pytest.raises(ValidationError, match="at least one admin"):
        agent_update(actor=admin, profile=me, role=Role.AGENT, teams=[])
    with pytest.raises(ValidationError, match="yourself"):
        agent_set_active(actor=admin, profile=me, active=False)
    other = AgentFactory(role=Role.ADMIN)
    agent_update(actor=admin, profile=other, role=Role.AGENT, teams=[])  # another admin remains: me


def test_an_integration_does_not_count_as_another_admin(admin):
    from inbox.api.services import integration_create

    integration_create(name="CRM sync", actor=admin)  # its user has the admin role (every conversation)
    with pytest.raises(ValidationError, match="at least one admin"):
        agent_update(actor=admin, profile=AgentProfile.objects.get(user=admin), role=Role.AGENT, teams=[])


def test_deactivating_hands_open_conversations_back_to_the_team(admin, client):
    support = TeamFactory(name="Support")
    leaving, colleague = AgentFactory(), AgentFactory()
    leaving.teams.set([support])
    colleague.teams.set([support])
    leaving.user.set_password("pw-leaving-1")
    leaving.user.save()
    mine = ConversationFactory(team=support)
    conversation_assign(conversation=mine, owner=Conversation.Owner.HUMAN, assignee=leaving.user, team=support)
    loner = ConversationFactory()
    conversation_assign(conversation=loner, owner=Conversation.Owner.HUMAN, assignee=leaving.user)

    agent_set_active(actor=admin, profile=leaving, active=False)

    mine.refresh_from_db()
    loner.refresh_from_db()
    assert mine.assignee == colleague.user  # online and with room
    assert (loner.owner, loner.assignee) == (Conversation.Owner.UNASSIGNED, None)
    leaving.refresh_from_db()
    assert leaving.presence == AgentProfile.Presence.OFFLINE
    assert not client.login(username=leaving.user.username, password="pw-leaving-1")
    assert AuditEntry.objects.filter(action="agent.deactivated", target_id=str(leaving.pk)).exists()

    agent_set_active(actor=admin, profile=leaving, active=True)
    assert client.login(username=leaving.user.username, password="pw-leaving-1")


def test_teams_are_created_renamed_and_only_deleted_when_empty(admin):
    team = team_create(actor=admin, name=" Returns ")
    with pytest.raises(ValidationError, match="already a team"):
        team_create(actor=admin, name="returns")
    team_rename(actor=admin, team=team, name="Refunds")
    ConversationFactory(team=team)
    with pytest.raises(ValidationError, match="1 open conversations"):
        team_delete(actor=admin, team=team)
    Conversation.objects.filter(team=team).update(status=Conversation.Status.RESOLVED)
    team_delete(actor=admin, team=team)
    actions = list(AuditEntry.objects.filter(target_type="inbox.team").values_list("action", flat=True).order_by("pk"))
    assert actions == ["team.created", "team.renamed", "team.deleted"]
