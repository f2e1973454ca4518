"""Admins manage the people who work the inbox: invite, role and teams, deactivate; and teams.

Every change is audited in its own transaction. Deactivating never strands a customer: the
person's open conversations go back to their team (or the unassigned queue).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from inbox.assignment import conversation_route_to_team
from inbox.audit.services import audit_record
from inbox.models import AgentProfile, Conversation, Team
from inbox.services.agents import agent_presence_set
from inbox.services.conversations import conversation_assign

User = get_user_model()
Role = AgentProfile.Role


def _snapshot(profile: AgentProfile) -> dict:
    return {
        "role": profile.role,
        "teams": sorted(t.name for t in profile.teams.all()),
        "active": profile.user.is_active,
    }


def _admins_left(excluding: AgentProfile) -> int:
    return (
        # An integration with no team restriction has the admin role, but nobody can log in as it.
        AgentProfile.objects.filter(role=Role.ADMIN, user__is_active=True, user__integration__isnull=True)
        .exclude(pk=excluding.pk)
        .count()
        + User.objects.filter(is_superuser=True, is_active=True).exclude(pk=excluding.user_id).count()
    )


def agent_invite(
    *, actor: AbstractBaseUser, name: str, email: str, role: str, teams: list[Team], capacity: int = 8
) -> AgentProfile:
    """Create the agent's login (no password yet) and email them a link to choose one."""
    email = email.strip().lower()
    name = name.strip()
    validate_email(email)
    if not name:
        raise ValidationError("Give the agent's name")
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}")
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        raise ValidationError(f"{email} already has a login")
    first, _, last = name.partition(" ")
    with transaction.atomic():
        user = User(username=email, email=email, first_name=first[:150], last_name=last[:150])
        user.set_unusable_password()
        user.save()
        profile = AgentProfile.objects.create(user=user, role=role, capacity=capacity)
        profile.teams.set(teams)
        audit_record(actor=actor, action="agent.invited", target=profile, after=_snapshot(profile))
        transaction.on_commit(lambda: _invite_send(user))
    return profile


def _invite_send(user) -> None:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    link = settings.PUBLIC_BASE_URL.rstrip("/") + path
    send_mail(
        subject="You are invited to the support inbox",
        message=f"Hi {user.first_name or user.email},\n\nChoose your password to start: {link}\n"
        f"Your login is {user.username}. The link works once.\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def agent_update(*, actor: AbstractBaseUser, profile: AgentProfile, role: str, teams: list[Team]) -> AgentProfile:
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}")
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        before = _snapshot(profile)
        if before["role"] == Role.ADMIN and role != Role.ADMIN and _admins_left(profile) == 0:
            raise ValidationError("Keep at least one admin: make someone else an admin first")
        profile.role = role
        profile.save(update_fields=["role"])
        profile.teams.set(teams)
        after = _snapshot(profile)
        if after != before:
            audit_record(actor=actor, action="agent.updated", target=profile, before=before, after=after)
    return profile


def agent_set_active(*, actor: AbstractBaseUser, profile: AgentProfile, active: bool) -> AgentProfile:
    """Deactivate (cannot log in, gets no work, open conversations handed back) or reactivate."""
    if not active and profile.user_id == actor.pk:
        raise ValidationError("You cannot deactivate yourself")
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        before = _snapshot(profile)
        if not active and profile.role == Role.ADMIN and _admins_left(profile) == 0:
            raise ValidationError("Keep at least one admin: make someone else an admin first")
        if before["active"] == active:
            return profile
        profile.user.is_active = active
        profile.user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="agent.reactivated" if active else "agent.deactivated",
            target=profile,
            before=before,
            after=_snapshot(profile),
        )
        if not active:
            agent_presence_set(user=profile.user, presence=AgentProfile.Presence.OFFLINE)
            _hand_back(profile, actor)
    return profile


def _hand_back(profile: AgentProfile, actor) -> None:
    reason = f"because {profile} was deactivated"
    open_work = Conversation.objects.filter(assignee=profile.user).exclude(status=Conversation.Status.RESOLVED)
    for conversation in open_work.select_related("team"):
        if conversation.team is not None:
            conversation = conversation_route_to_team(
                conversation=conversation,
                team=conversation.team,
                reason=reason,
                exclude_user_ids=[profile.user_id],
                replace=True,
            )
        if conversation.assignee_id == profile.user_id:  # nobody else had room
            conversation_assign(
                conversation=conversation,
                owner=Conversation.Owner.UNASSIGNED,
                team=conversation.team,
                actor=actor,
                reason=reason,
            )


def team_create(*, actor: AbstractBaseUser, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError("Give the team a name")
    with transaction.atomic():
        if Team.objects.filter(name__iexact=name).exists():
            raise ValidationError(f"There is already a team called {name}")
        team = Team.objects.create(name=name[:100])
        audit_record(actor=actor, action="team.created", target=team, after={"name": team.name})
    return team


def team_rename(*, actor: AbstractBaseUser, team: Team, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError("Give the team a name")
    with transaction.atomic():
        if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise ValidationError(f"There is already a team called {name}")
        before = {"name": team.name}
        team.name = name[:100]
        team.save(update_fields=["name"])
        audit_record(actor=actor, action="team.renamed", target=team, before=before, after={"name": team.name})
    return team


def team_delete(*, actor: AbstractBaseUser, team: Team) -> None:
    """Only an empty team goes: its open conversations would otherwise lose their queue."""
    waiting = team.conversations.exclude(status=Conversation.Status.RESOLVED).count()
    if waiting:
        raise ValidationError(f"{team.name} still has {waiting} open conversations: move them first")
    with transaction.atomic():
        audit_record(actor=actor, action="team.deleted", target=team, before={"name": team.name})
        team.delete()
