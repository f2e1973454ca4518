"""What a team lead does to their team: each checks ``check_team_manage``, then calls the
existing service (so audit rows and realtime events happen as everywhere else)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox.access import check_team_manage
from inbox.assignment import agent_capacity_set
from inbox.audit.services import audit_record
from inbox.models import AgentProfile, Conversation, Team
from inbox.services import actions
from inbox.services.agents import agent_presence_set

# A lead may send someone away or end their shift; only the agent brings themselves online
# (routing gives work to online agents, so "online" must mean someone is really there).
LEAD_PRESENCES = (AgentProfile.Presence.AWAY, AgentProfile.Presence.OFFLINE)


def _member(team: Team, user_id: int) -> AgentProfile:
    member = AgentProfile.objects.select_related("user").filter(teams=team, user_id=user_id).first()
    if member is None:
        raise ValidationError(f"That agent is not a member of {team.name}")
    return member


def _in_team(team: Team, conversation: Conversation) -> None:
    if conversation.team_id != team.pk:
        raise ValidationError(f"That conversation is not in the {team.name} queue")


def team_conversation_assign(
    *, team: Team, conversation: Conversation, actor: AbstractBaseUser, member_id: int | None
) -> Conversation:
    """Give a conversation of the team to one of its members, or (``member_id`` None) back to
    the team's backlog."""
    check_team_manage(actor, team.pk)
    _in_team(team, conversation)
    assignee = _member(team, member_id).user if member_id is not None else None
    return actions.conversation_reassign(conversation=conversation, actor=actor, assignee=assignee, team=team)


def team_conversation_move(
    *, team: Team, conversation: Conversation, actor: AbstractBaseUser, to_team: Team
) -> Conversation:
    """Move a conversation of the team to another team's backlog."""
    check_team_manage(actor, team.pk)
    _in_team(team, conversation)
    if to_team.pk == team.pk:
        raise ValidationError("Choose another team")
    return actions.conversation_reassign(conversation=conversation, actor=actor, assignee=None, team=to_team)


def team_member_capacity_set(*, team: Team, member_id: int, capacity: int, actor: AbstractBaseUser) -> AgentProfile:
    check_team_manage(actor, team.pk)
    member = _member(team, member_id)
    return agent_capacity_set(agent=member, capacity=capacity, actor=actor)


def team_member_presence_set(*, team: Team, member_id: int, presence: str, actor: AbstractBaseUser) -> AgentProfile:
    """Send a member away or offline (end of shift); routing stops giving them work."""
    check_team_manage(actor, team.pk)
    if presence not in LEAD_PRESENCES:
        raise ValidationError("A lead can set a member away or offline")
    member = _member(team, member_id)
    before = member.presence
    with transaction.atomic():
        member = agent_presence_set(user=member.user, presence=presence)
        audit_record(
            actor=actor,
            action="agent.presence",
            target=member,
            before={"presence": before},
            after={"presence": presence},
        )
    return member
