"""SLA timers on conversations, their badges, and the beat task's warn/escalate pass.

Timers (fields on Conversation): ``first_response_due_at`` (until the first reply),
``next_response_due_at`` (while the customer waits again after a reply) and
``resolution_due_at`` (until resolved). A timer counts only while it is *active*; activity is
derived from the conversation's own facts (first_response_at, waiting_since, status), so agent
replies need no hook here. With ``business_hours_only`` the minutes count the team's open hours.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, QuerySet, When
from django.db.models.functions import Least
from django.utils import timezone

from inbox.audit.services import audit_record, audit_snapshot
from inbox.events import INBOX_GROUP, agent_group, conversation_group, event_publish
from inbox.hours import business_deadline
from inbox.models import Conversation
from inbox.models_routing import SlaPolicy
from inbox.services.messages import system_event_add

ACTIVE_FIRST = Q(first_response_at__isnull=True, first_response_due_at__isnull=False)
ACTIVE_NEXT = Q(first_response_at__isnull=False, waiting_since__isnull=False, next_response_due_at__isnull=False)
ACTIVE_RESOLUTION = Q(resolution_due_at__isnull=False) & ~Q(status=Conversation.Status.RESOLVED)
TIMERS = {
    "first_response": ("first_response_due_at", ACTIVE_FIRST, "First response"),
    "next_response": ("next_response_due_at", ACTIVE_NEXT, "Next response"),
    "resolution": ("resolution_due_at", ACTIVE_RESOLUTION, "Resolution"),
}


def _deadline(conversation: Conversation, policy: SlaPolicy, start: datetime, minutes: int) -> datetime:
    if policy.business_hours_only:
        try:
            return business_deadline(conversation.team, start, minutes)
        except ValueError:  # a team with no opening hours at all: count calendar time
            pass
    return start + timedelta(minutes=minutes)


def sla_timers_refresh(*, conversation: Conversation) -> Conversation:
    """Set the due times the conversation's policy implies. Idempotent; call after each inbound
    message and when a policy is applied. Existing first-response/resolution deadlines stay."""
    with transaction.atomic():
        locked = Conversation.objects.select_related("sla_policy", "team__hours").select_for_update(of=("self",))
        locked = locked.get(pk=conversation.pk)
        policy = locked.sla_policy
        if policy is None:
            return locked
        changed = []
        if policy.first_response_minutes and locked.first_response_at is None and not locked.first_response_due_at:
            start = locked.waiting_since or locked.created_at
            locked.first_response_due_at = _deadline(locked, policy, start, policy.first_response_minutes)
            changed.append("first_response_due_at")
        if policy.next_response_minutes and locked.first_response_at and locked.waiting_since:
            due = _deadline(locked, policy, locked.waiting_since, policy.next_response_minutes)
            if locked.next_response_due_at != due:
                locked.next_response_due_at = due
                changed.append("next_response_due_at")
        if policy.resolution_minutes and not locked.resolution_due_at:
            locked.resolution_due_at = _deadline(locked, policy, locked.created_at, policy.resolution_minutes)
            changed.append("resolution_due_at")
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        return locked


SLA_FIELDS = [
    "name",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "business_hours_only",
    "warn_before_minutes",
    "breach_action",
]


def sla_policy_save(*, policy: SlaPolicy, actor: AbstractBaseUser | None) -> SlaPolicy:
    """Create or change a policy (validated by its form), audited with the values before and after."""
    with transaction.atomic():
        stored = SlaPolicy.objects.select_for_update().filter(pk=policy.pk).first() if policy.pk else None
        before = audit_snapshot(stored, SLA_FIELDS) if stored else None
        policy.save()
        audit_record(
            actor=actor,
            action="sla.updated" if stored else "sla.created",
            target=policy,
            before=before,
            after=audit_snapshot(policy, SLA_FIELDS),
        )
    return policy


def sla_policy_apply(*, conversation: Conversation, policy: SlaPolicy, reason: str) -> Conversation:
    """Put the conversation under ``policy`` (restarting its timers) and say so in the timeline."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.sla_policy_id == policy.pk:
            return locked
        locked.sla_policy = policy
        locked.first_response_due_at = locked.next_response_due_at = locked.resolution_due_at = None
        locked.sla_events = []
        locked.save(
            update_fields=[
                "sla_policy",
                "first_response_due_at",
                "next_response_due_at",
                "resolution_due_at",
                "sla_events",
                "updated_at",
            ]
        )
        system_event_add(
            conversation=locked,
            text=f"SLA policy '{policy.name}' applied {reason}",
            metadata={"kind": "sla", "policy_id": policy.pk},
        )
    return sla_timers_refresh(conversation=locked)


def sla_annotate(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Adds ``sla_due_at``: the earliest active deadline (None when no timer runs). One SQL
    expression, so a list of conversations gets its SLA badges without extra queries."""
    cases = [
        Case(When(active, then=F(field)), default=None, output_field=DateTimeField())
        for field, active, _ in TIMERS.values()
    ]
    return qs.annotate(sla_due_at=Least(*cases))


@dataclass(frozen=True)
class SlaBadge:
    state: str  # "ok", "warning", "breached"
    due_at: datetime
    label: str


def sla_badge(conversation: Conversation, now: datetime | None = None) -> SlaBadge | None:
    """The badge for an annotated conversation (see ``sla_annotate``), or None without a timer."""
    due = getattr(conversation, "sla_due_at", None)
    if due is None:
        return None
    now = now or timezone.now()
    warn = timedelta(minutes=conversation.sla_policy.warn_before_minutes) if conversation.sla_policy_id else None
    if due <= now:
        return SlaBadge("breached", due, f"SLA breached {_ago(now - due)} ago")
    if warn is not None and due - now <= warn:
        return SlaBadge("warning", due, f"SLA due in {_ago(due - now)}")
    return SlaBadge("ok", due, f"SLA due in {_ago(due - now)}")


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 60 * 48:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} d"


def sla_check(*, now: datetime | None = None) -> dict[str, int]:
    """Warn before and escalate on breach, once per timer and deadline. Run by beat each minute."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=24)  # warn windows longer than a day are not supported
    candidates = (
        sla_annotate(Conversation.objects.filter(sla_policy__isnull=False, status__in=Conversation.ACTIVE_STATUSES))
        .filter(sla_due_at__lte=horizon)
        .values_list("pk", flat=True)
    )
    counts = {"warned": 0, "breached": 0}
    for pk in candidates:
        for outcome in _conversation_sla_check(pk, now):
            counts[outcome] += 1
    return counts


def _conversation_sla_check(pk: int, now: datetime) -> list[str]:
    outcomes = []
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("sla_policy", "team")
            .filter(pk=pk)
            .first()
        )
        if conversation is None or conversation.sla_policy is None:
            return outcomes
        policy = conversation.sla_policy
        active = Conversation.objects.filter(pk=pk)
        for name, (field, condition, label) in TIMERS.items():
            due = getattr(conversation, field)
            if due is None or not active.filter(condition).exists():
                continue
            if due <= now:
                stage = "breached"
            elif due - now <= timedelta(minutes=policy.warn_before_minutes):
                stage = "warned"
            else:
                continue
            key = f"{name}:{due.isoformat()}:{stage}"
            if key in conversation.sla_events:
                continue
            conversation.sla_events = [*conversation.sla_events, key]
            conversation.save(update_fields=["sla_events", "updated_at"])  # the KPI refresh reads it
            outcomes.append(stage)
            if stage == "warned":
                _sla_warn(conversation, label, due)
            else:
                _sla_escalate(conversation, policy, label, due)
    return outcomes


def _notify_groups(conversation: Conversation) -> list[str]:
    groups = [conversation_group(conversation.pk), INBOX_GROUP]
    if conversation.assignee_id:
        groups.append(agent_group(conversation.assignee_id))
    return groups


def _sla_warn(conversation: Conversation, label: str, due: datetime) -> None:
    system_event_add(
        conversation=conversation,
        text=f"SLA warning: {label.lower()} due at {due:%H:%M %Z} ({conversation.sla_policy.name})",
        metadata={"kind": "sla", "stage": "warning", "timer": label},
    )
    event_publish(type="sla", op="warning", groups=_notify_groups(conversation), conversation_id=conversation.pk)


def _sla_escalate(conversation: Conversation, policy: SlaPolicy, label: str, due: datetime) -> None:
    action = policy.breach_action
    what = "notified the inbox"
    if action == SlaPolicy.BreachAction.RAISE_PRIORITY and conversation.priority < Conversation.Priority.URGENT:
        conversation.priority += 1
        conversation.save(update_fields=["priority", "updated_at"])
        what = f"priority raised to {conversation.get_priority_display()}"
    system_event_add(
        conversation=conversation,
        text=f"SLA breached: {label.lower()} was due at {due:%H:%M %Z} ({policy.name}); {what}",
        metadata={"kind": "sla", "stage": "breached", "timer": label, "action": action},
    )
    event_publish(type="sla", op="breached", groups=_notify_groups(conversation), conversation_id=conversation.pk)
    if action == SlaPolicy.BreachAction.REASSIGN and conversation.team_id:
        from inbox.assignment import conversation_route_to_team

        # After commit: the reassignment takes the assignment lock first, like every other path.
        exclude = [conversation.assignee_id] if conversation.assignee_id else []
        transaction.on_commit(
            lambda: conversation_route_to_team(
                conversation=conversation,
                team=conversation.team,
                reason=f"by SLA escalation ({label.lower()} breached under '{policy.name}')",
                exclude_user_ids=exclude,
                replace=True,
            )
        )
