from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inbox.audit.services import audit_record, audit_snapshot
from inbox.events import INBOX_GROUP, agent_group, conversation_group, event_publish
from inbox.models import AgentProfile, Conversation, Team
from inbox.services.messages import system_event_add

OWNERSHIP_FIELDS = ["owner", "assignee", "team"]


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def conversation_assign(
    *,
    conversation: Conversation,
    owner: str,
    assignee: AbstractBaseUser | None = None,
    team: Team | None = None,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    handoff_reason: str = "",
) -> Conversation:
    """Give the conversation to the AI agent, a human agent, or nobody (a team's queue).

    ``handoff_reason`` marks an AI→human handoff and why (KPIs and QA read it from the event).

    ``reason`` is the explanation shown in the timeline ("by rule 'VIP'"). The human
    assignee must be an agent. Writes a system event and publishes the change.
    """
    if owner not in Conversation.Owner.values:
        raise ValidationError(f"Unknown owner {owner!r}")
    if owner == Conversation.Owner.HUMAN:
        if assignee is None:
            raise ValidationError("Choose the agent who owns the conversation")
        if not AgentProfile.objects.filter(user=assignee).exists():
            raise ValidationError(f"{_name(assignee)} is not an agent")
    elif assignee is not None:
        raise ValidationError("Only a human owner has an assignee")

    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        previous_assignee_id = locked.assignee_id
        previous_team_id = locked.team_id
        before = audit_snapshot(locked, OWNERSHIP_FIELDS)
        locked.owner = owner
        locked.assignee = assignee
        if team is not None or owner == Conversation.Owner.AI:
            locked.team = team
        locked.save(update_fields=["owner", "assignee", "team", "updated_at"])
        audit_record(
            actor=actor,
            action="conversation.ownership",
            target=locked,
            before=before,
            after={**audit_snapshot(locked, OWNERSHIP_FIELDS), "reason": reason},
        )

        if owner == Conversation.Owner.HUMAN:
            who = f"Assigned to {_name(assignee)}"
        elif owner == Conversation.Owner.AI:
            who = "Handed to the AI agent"
        else:
            who = f"Moved to the {team.name} queue" if team else "Unassigned"
        by = reason or f"by {_name(actor)}"
        system_event_add(
            conversation=locked,
            text=f"{who} {by}",
            metadata={
                "kind": "assignment",
                "owner": owner,
                "actor_id": getattr(actor, "pk", None),
                **({"handoff_reason": handoff_reason} if handoff_reason else {}),
            },
        )
        groups = [conversation_group(locked.pk), INBOX_GROUP]
        groups += [agent_group(uid) for uid in {previous_assignee_id, locked.assignee_id} if uid]
        event_publish(
            type="conversation",
            op="assigned",
            groups=groups,
            conversation_id=locked.pk,
            assignee_id=locked.assignee_id,
            previously=(previous_team_id, previous_assignee_id),
        )
    return locked


def conversation_set_status(
    *,
    conversation: Conversation,
    status: str,
    actor: AbstractBaseUser | None = None,
    snoozed_until: datetime | None = None,
) -> Conversation:
    """Open, pend, snooze (until a future time) or resolve a conversation."""
    if status not in Conversation.Status.values:
        raise ValidationError(f"Unknown status {status!r}")
    if status == Conversation.Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= timezone.now():
            raise ValidationError("Snooze until a time in the future")
    elif snoozed_until is not None:
        raise ValidationError("Only a snoozed conversation has a wake-up time")

    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == status and locked.snoozed_until == snoozed_until:
            return locked
        locked.status = status
        locked.snoozed_until = snoozed_until
        locked.resolved_at = timezone.now() if status == Conversation.Status.RESOLVED else None
        locked.save(update_fields=["status", "snoozed_until", "resolved_at", "updated_at"])

        label = {
            Conversation.Status.OPEN: "Reopened",
            Conversation.Status.PENDING: "Marked pending",
            Conversation.Status.SNOOZED: f"Snoozed until {snoozed_until:%Y-%m-%d %H:%M %Z}" if snoozed_until else "",
            Conversation.Status.RESOLVED: "Resolved",
        }[status]
        system_event_add(
            conversation=locked,
            text=f"{label} by {_name(actor)}",
            metadata={"kind": "status", "status": status, "actor_id": getattr(actor, "pk", None)},
        )
        if status == Conversation.Status.RESOLVED and settings.CSAT_ENABLED:
            from inbox.csat.tasks import csat_request_task  # the survey service imports this module

            transaction.on_commit(
                lambda: csat_request_task.apply_async((locked.pk,), countdown=settings.CSAT_DELAY_SECONDS)
            )
        event_publish(
            type="conversation",
            op="status",
            groups=[conversation_group(locked.pk), INBOX_GROUP],
            conversation_id=locked.pk,
            status=status,
        )
        if status == Conversation.Status.RESOLVED and locked.assignee_id:
            from inbox.assignment import backlog_drain_enqueue  # the agent has room: refill from the queue

            backlog_drain_enqueue(user_id=locked.assignee_id)
    return locked
