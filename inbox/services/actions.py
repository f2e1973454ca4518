"""What an agent does to a conversation from the inbox: each checks permission, then acts."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inbox.access import check_conversation_act
from inbox.events import INBOX_GROUP, agent_group, conversation_group, event_publish
from inbox.models import Conversation, ConversationRead, Notification, Team
from inbox.services.conversations import conversation_assign, conversation_set_status
from inbox.services.messages import system_event_add

MAX_TAGS = 20


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def conversation_take_over(*, conversation: Conversation, actor: AbstractBaseUser) -> Conversation:
    """The acting agent takes the conversation (from the AI agent, a queue or a colleague)."""
    check_conversation_act(actor, conversation)
    return conversation_assign(
        conversation=conversation,
        owner=Conversation.Owner.HUMAN,
        assignee=actor,
        team=conversation.team,
        actor=actor,
        reason=f"(taken over by {_name(actor)})",
    )


def conversation_reassign(
    *, conversation: Conversation, actor: AbstractBaseUser, assignee: AbstractBaseUser | None, team: Team | None
) -> Conversation:
    """Assign to an agent (optionally within a team), or to a team's queue when no agent."""
    check_conversation_act(actor, conversation)
    if assignee is not None:
        with transaction.atomic():
            assigned = conversation_assign(
                conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=assignee, team=team, actor=actor
            )
            if assignee.pk != actor.pk:
                _notify_assigned(assigned, assignee, actor)
        return assigned
    return conversation_assign(conversation=conversation, owner=Conversation.Owner.UNASSIGNED, team=team, actor=actor)


def conversation_hand_to_ai(*, conversation: Conversation, actor: AbstractBaseUser) -> Conversation:
    check_conversation_act(actor, conversation)
    return conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, actor=actor)


def conversation_change_status(
    *, conversation: Conversation, actor: AbstractBaseUser, status: str, snoozed_until: datetime | None = None
) -> Conversation:
    """Resolve, reopen or snooze (until a future time) on behalf of an agent."""
    check_conversation_act(actor, conversation)
    return conversation_set_status(conversation=conversation, status=status, actor=actor, snoozed_until=snoozed_until)


def conversation_set_priority(*, conversation: Conversation, actor: AbstractBaseUser, priority: int) -> Conversation:
    check_conversation_act(actor, conversation)
    if priority not in Conversation.Priority.values:
        raise ValidationError(f"Unknown priority {priority!r}")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.priority == priority:
            return locked
        locked.priority = priority
        locked.save(update_fields=["priority", "updated_at"])
        system_event_add(
            conversation=locked,
            text=f"Priority set to {locked.get_priority_display()} by {_name(actor)}",
            metadata={"kind": "priority", "priority": priority, "actor_id": actor.pk},
        )
        _publish_updated(locked)
    return locked


def conversation_set_tags(*, conversation: Conversation, actor: AbstractBaseUser, tags: list[str]) -> Conversation:
    """Replace the tags; tags are trimmed, lower-cased, de-duplicated, at most 50 characters."""
    check_conversation_act(actor, conversation)
    clean = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if any(len(t) > 50 for t in clean):
        raise ValidationError("A tag is at most 50 characters")
    if len(clean) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.tags == clean:
            return locked
        added = [t for t in clean if t not in locked.tags]
        removed = [t for t in locked.tags if t not in clean]
        locked.tags = clean
        locked.save(update_fields=["tags", "updated_at"])
        parts = [f"added {', '.join(added)}"] if added else []
        parts += [f"removed {', '.join(removed)}"] if removed else []
        system_event_add(
            conversation=locked,
            text=f"Tags {' and '.join(parts)} by {_name(actor)}",
            metadata={"kind": "tags", "actor_id": actor.pk},
        )
        _publish_updated(locked)
    return locked


def conversation_mark_read(*, conversation: Conversation, user: AbstractBaseUser) -> None:
    """Remember that ``user`` has seen everything in the conversation up to now."""
    last_id = conversation.messages.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    ConversationRead.objects.update_or_create(
        user=user,
        conversation=conversation,
        defaults={"last_read_message_id": last_id, "last_read_at": timezone.now()},
    )


def conversations_wake_due(*, now: datetime | None = None) -> int:
    """Reopen snoozed conversations whose time has come. Safe to run again (beat task)."""
    now = now or timezone.now()
    due = Conversation.objects.filter(status=Conversation.Status.SNOOZED, snoozed_until__lte=now)
    woken = 0
    for conversation in due.only("pk").iterator():
        with transaction.atomic():
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            if locked.status != Conversation.Status.SNOOZED or locked.snoozed_until > now:
                continue
            locked.status = Conversation.Status.OPEN
            locked.snoozed_until = None
            locked.save(update_fields=["status", "snoozed_until", "updated_at"])
            system_event_add(conversation=locked, text="Snooze ended", metadata={"kind": "status", "status": "open"})
            event_publish(
                type="conversation",
                op="status",
                groups=[conversation_group(locked.pk), INBOX_GROUP],
                conversation_id=locked.pk,
                status=locked.status,
            )
            woken += 1
    return woken


def _notify_assigned(conversation: Conversation, assignee: AbstractBaseUser, actor: AbstractBaseUser) -> None:
    notification = Notification.objects.create(
        user=assignee,
        kind=Notification.Kind.ASSIGNED,
        conversation=conversation,
        text=f"{_name(actor)} assigned you {conversation}"[:300],
    )
    event_publish(
        type="notification",
        op="created",
        groups=[agent_group(assignee.pk)],
        notification_id=notification.pk,
        conversation_id=conversation.pk,
        message_id=None,
    )


def _publish_updated(conversation: Conversation) -> None:
    event_publish(
        type="conversation",
        op="updated",
        groups=[conversation_group(conversation.pk), INBOX_GROUP],
        conversation_id=conversation.pk,
    )
