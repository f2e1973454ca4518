"""Human assignment within a team: round robin or least loaded, by capacity and presence.

Concurrency: every path that picks an agent takes ONE transaction-scoped advisory lock
(``assignment_lock``) before reading loads, so two workers can neither give the same
conversation twice nor push an agent over capacity. Take it before locking any conversation
row (the backlog drain skips rows another transaction holds, so the two paths cannot deadlock).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from inbox.audit.services import audit_record
from inbox.events import INBOX_GROUP, event_publish
from inbox.models import AgentProfile, Conversation, Team
from inbox.services.conversations import conversation_assign

ASSIGNMENT_LOCK_KEY = 7_406_001  # any constant; shared by every assignment path
LOAD_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING)

User = get_user_model()


def assignment_lock() -> None:
    """Serialise agent picking until the current transaction ends. Call inside atomic()."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ASSIGNMENT_LOCK_KEY])


def _agents_with_room(team: Team | None = None, user_ids=None):
    """Online agents below capacity, annotated with their current load. One query."""
    qs = AgentProfile.objects.filter(presence=AgentProfile.Presence.ONLINE).annotate(
        load=Count("user__conversations", filter=Q(user__conversations__status__in=LOAD_STATUSES), distinct=True)
    )
    if team is not None:
        qs = qs.filter(teams=team)
    if user_ids is not None:
        qs = qs.filter(user_id__in=user_ids)
    return qs.filter(load__lt=F("capacity")).select_related("user")


def team_agent_pick(team: Team, exclude_user_ids=()) -> AgentProfile | None:
    """The next agent by the team's policy. Call while holding ``assignment_lock``."""
    qs = _agents_with_room(team).exclude(user_id__in=exclude_user_ids)
    if team.assignment_policy == Team.Policy.ROUND_ROBIN:
        qs = qs.order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
    else:
        qs = qs.order_by("load", F("last_assigned_at").asc(nulls_first=True), "pk")
    return qs.first()


def _previous_agent(conversation: Conversation) -> AgentProfile | None:
    """A returning customer's last agent, if online and below capacity."""
    previous = (
        Conversation.objects.filter(customer_id=conversation.customer_id, assignee__isnull=False)
        .exclude(pk=conversation.pk)
        .order_by("-last_message_at", "-pk")
        .values_list("assignee_id", flat=True)
        .first()
    )
    if previous is None:
        return None
    return _agents_with_room(user_ids=[previous]).first()


def _give(conversation: Conversation, profile: AgentProfile, team: Team | None, reason: str) -> Conversation:
    AgentProfile.objects.filter(pk=profile.pk).update(last_assigned_at=timezone.now())
    return conversation_assign(
        conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=profile.user, team=team, reason=reason
    )


def conversation_route_to_team(
    *,
    conversation: Conversation,
    team: Team,
    reason: str,
    exclude_user_ids=(),
    replace: bool = False,
    queue_only: bool = False,
) -> Conversation:
    """Give the conversation to an agent of ``team`` (or its queue when nobody has room).

    A returning customer goes back to their previous agent when that agent is online and has
    room. Does nothing if a human already owns it, unless ``replace`` (SLA reassignment; the
    current agent keeps it when nobody else has room). ``queue_only`` puts it in the team's
    queue without picking anyone (after hours).
    ``reason`` is the explanation for the timeline ("by rule 'VIP': customer tagged vip").
    """
    with transaction.atomic():
        assignment_lock()
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.owner == Conversation.Owner.HUMAN and not replace:
            return locked
        if not queue_only:
            previous = _previous_agent(locked)
            if previous and previous.user_id not in exclude_user_ids:
                return _give(locked, previous, team, f"{reason}; returning customer, back to their previous agent")
            profile = team_agent_pick(team, exclude_user_ids)
            if profile:
                policy = team.get_assignment_policy_display().lower()
                return _give(locked, profile, team, f"{reason} ({policy} in {team.name})")
        if replace and locked.owner == Conversation.Owner.HUMAN:
            return locked
        if locked.owner == Conversation.Owner.UNASSIGNED and locked.team_id == team.pk:
            return locked  # already waiting in this queue: no repeated timeline line
        if queue_only:
            return conversation_assign(
                conversation=locked,
                owner=Conversation.Owner.UNASSIGNED,
                team=team,
                reason=f"{reason}, waiting in the queue",
            )
        return conversation_assign(
            conversation=locked,
            owner=Conversation.Owner.UNASSIGNED,
            team=team,
            reason=f"{reason}; nobody in {team.name} is online with room, waiting in the queue",
        )


def conversation_assign_to_agent(*, conversation: Conversation, user: AbstractBaseUser, reason: str) -> Conversation:
    """Give the conversation to one named agent (a rule naming a person), whatever their load."""
    with transaction.atomic():
        assignment_lock()
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.owner == Conversation.Owner.HUMAN:
            return locked
        profile = AgentProfile.objects.select_related("user").get(user=user)
        return _give(locked, profile, locked.team, reason)


def backlog_drain(*, user_id: int) -> int:
    """Give queued conversations of the agent's teams to them, longest waiting first, while
    they are online and below capacity. Returns how many they received. Idempotent."""
    given = 0
    while True:
        with transaction.atomic():
            assignment_lock()
            profile = _agents_with_room(user_ids=[user_id]).first()
            if profile is None:
                return given
            waiting = (
                Conversation.objects.select_for_update(skip_locked=True)
                .filter(
                    owner=Conversation.Owner.UNASSIGNED,
                    status=Conversation.Status.OPEN,
                    team__in=profile.teams.all(),
                )
                .order_by(F("waiting_since").asc(nulls_last=True), "created_at", "pk")
                .first()
            )
            if waiting is None:
                return given
            _give(waiting, profile, waiting.team, "from the queue (longest waiting first) when they had room")
            given += 1


def backlog_drain_enqueue(*, user_id: int) -> None:
    """Drain for this agent after the current transaction commits."""
    from inbox.tasks import backlog_drain_for_agent

    transaction.on_commit(lambda: backlog_drain_for_agent.delay(user_id))


def team_policy_set(*, team: Team, policy: str, actor: AbstractBaseUser | None = None) -> Team:
    if policy not in Team.Policy.values:
        raise ValidationError(f"Unknown assignment policy {policy!r}")
    with transaction.atomic():
        before = Team.objects.select_for_update().values_list("assignment_policy", flat=True).get(pk=team.pk)
        Team.objects.filter(pk=team.pk).update(assignment_policy=policy)
        team.assignment_policy = policy
        if before != policy:
            audit_record(
                actor=actor, action="team.policy", target=team, before={"policy": before}, after={"policy": policy}
            )
    return team


def agent_capacity_set(*, agent: AgentProfile, capacity: int, actor: AbstractBaseUser | None = None) -> AgentProfile:
    """Change how many open conversations an agent holds; more room drains the queue to them."""
    if not 1 <= capacity <= 100:
        raise ValidationError("Capacity is between 1 and 100 open conversations")
    with transaction.atomic():
        before = AgentProfile.objects.select_for_update().values_list("capacity", flat=True).get(pk=agent.pk)
        AgentProfile.objects.filter(pk=agent.pk).update(capacity=capacity)
        agent.capacity = capacity
        if before != capacity:
            change = {"before": {"capacity": before}, "after": {"capacity": capacity}}
            audit_record(actor=actor, action="agent.capacity", target=agent, **change)
            event_publish(type="agent", op="capacity", groups=[INBOX_GROUP], user_id=agent.user_id, capacity=capacity)
        backlog_drain_enqueue(user_id=agent.user_id)
    return agent
