"""The agent's own state: presence, typing signals, notifications, saved filters, canned replies."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inbox.access import check_agent, check_conversation_act
from inbox.assignment import backlog_drain_enqueue
from inbox.events import INBOX_GROUP, conversation_group, event_publish
from inbox.models import AgentProfile, CannedReply, Conversation, Notification, SavedFilter

AWAY_AFTER = timedelta(minutes=5)
OFFLINE_AFTER = timedelta(minutes=15)
SAVED_FILTER_KEYS = ("view", "channel", "team", "status", "priority", "tag", "owner", "sort")


def agent_presence_set(*, user: AbstractBaseUser, presence: str) -> AgentProfile:
    """Set an agent online / away / offline; routing only gives work to online agents, so coming
    online drains their teams' queue to them."""
    if presence not in AgentProfile.Presence.values:
        raise ValidationError(f"Unknown presence {presence!r}")
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().get(user=user)
        changed = profile.presence != presence
        profile.presence = presence
        profile.last_seen_at = timezone.now()
        profile.save(update_fields=["presence", "last_seen_at"])
        if changed:
            event_publish(type="agent", op="presence", groups=[INBOX_GROUP], user_id=user.pk, presence=presence)
            if presence == AgentProfile.Presence.ONLINE:
                backlog_drain_enqueue(user_id=user.pk)
    return profile


def agent_seen(*, user: AbstractBaseUser) -> None:
    """A heartbeat from the agent's browser: they are still here."""
    AgentProfile.objects.filter(user=user).update(last_seen_at=timezone.now())


def agents_presence_sweep(*, now: datetime | None = None) -> int:
    """Beat task: online agents quiet for a while become away, then offline. Returns changes."""
    now = now or timezone.now()
    changed = 0
    stale = AgentProfile.objects.exclude(presence=AgentProfile.Presence.OFFLINE).select_related("user")
    for profile in stale.filter(last_seen_at__lt=now - AWAY_AFTER) | stale.filter(last_seen_at__isnull=True):
        quiet_for = now - (profile.last_seen_at or now - OFFLINE_AFTER)
        target = AgentProfile.Presence.OFFLINE if quiet_for >= OFFLINE_AFTER else AgentProfile.Presence.AWAY
        if profile.presence != target:
            agent_presence_set(user=profile.user, presence=target)
            changed += 1
    return changed


def agent_typing(*, user: AbstractBaseUser, conversation: Conversation, state: str) -> None:
    """Tell the others watching the conversation that this agent is drafting (or stopped)."""
    check_conversation_act(user, conversation)
    if state not in ("start", "stop"):
        raise ValidationError("Typing state is start or stop")
    event_publish(
        type="typing",
        op=state,
        groups=[conversation_group(conversation.pk)],
        conversation_id=conversation.pk,
        author="agent",
        user_id=user.pk,
        name=user.get_full_name() or user.get_username(),
    )


def notification_mark_read(*, user: AbstractBaseUser, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the user's notifications read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def saved_filter_create(*, user: AbstractBaseUser, name: str, params: dict) -> SavedFilter:
    check_agent(user)
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError("Name the filter (up to 60 characters)")
    clean = {k: str(v)[:60] for k, v in params.items() if k in SAVED_FILTER_KEYS and v not in ("", None)}
    if not clean:
        raise ValidationError("Choose at least one filter to save")
    if SavedFilter.objects.filter(user=user, name=name).exists():
        raise ValidationError(f"You already have a filter called {name!r}")
    return SavedFilter.objects.create(user=user, name=name, params=clean)


def saved_filter_delete(*, user: AbstractBaseUser, saved_filter_id: int) -> None:
    deleted, _ = SavedFilter.objects.filter(user=user, pk=saved_filter_id).delete()
    if not deleted:
        raise ValidationError("No such saved filter")


def canned_reply_render(*, reply: CannedReply, conversation: Conversation, agent: AbstractBaseUser) -> str:
    """Fill ``{{customer.name}}``, ``{{customer.first_name}}`` and ``{{agent.name}}`` as plain text."""
    customer_name = conversation.customer.name or "there"
    agent_name = agent.get_full_name() or agent.get_username()
    values = {
        "customer.name": customer_name,
        "customer.first_name": customer_name.split()[0] if customer_name.split() else customer_name,
        "agent.name": agent_name,
        "agent.first_name": getattr(agent, "first_name", "") or agent_name,
    }
    text = reply.body
    for key, value in values.items():
        for spelling in ("{{%s}}" % key, "{{ %s }}" % key):  # noqa: UP031 - braces are literal
            text = text.replace(spelling, value)
    return text
