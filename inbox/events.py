"""The one way realtime events leave the app: after commit, small dicts, to id-named groups.

Only services call ``event_publish``. Browsers treat an event as a hint to refetch the
partial it names, so payloads carry ids, never customer text.
"""

import asyncio
from collections.abc import Iterable

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from inbox.api.webhooks import webhook_deliveries_record
from inbox.event_loop import event_loop_run

INBOX_GROUP = "inbox"  # every connected agent: list and counts
SEND_TIMEOUT = 5.0  # seconds; a stuck Redis must not hold the request or task that committed


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


def event_publish(
    *,
    type: str,
    op: str,
    groups: Iterable[str],
    previously: tuple[int | None, int | None] | None = None,
    **ids: int | str | None,
) -> None:
    """Send ``{"type", "op", **ids}`` to ``groups`` once the current transaction commits.

    Nothing is sent if the transaction rolls back. A broken channel layer is logged, never
    raised: the data is already committed and clients resync from the database.

    Events about a conversation reach only agents who may see it (inbox/access.py); pass
    ``previously=(team_id, assignee_id)`` when the change moved it, so those who saw it
    before hear that it left.
    """
    event = {"type": type, "op": op, **ids}
    targets = tuple(dict.fromkeys(groups))
    webhook_deliveries_record(event=event)  # in this transaction: the outbox commits with the change
    transaction.on_commit(lambda: _dispatch(targets, event, previously=previously), robust=True)


def _dispatch(groups: tuple[str, ...], event: dict, previously: tuple[int | None, int | None] | None = None) -> None:
    layer = get_channel_layer()
    # Only agents' shared groups need an audience: not with one shared queue, not for one agent.
    shared = [g for g in groups if not g.startswith("agent.")]
    audience = _audience(event, previously) if shared and settings.INBOX_TEAM_VISIBILITY != "all" else None
    sends = []
    for group in groups:
        message = {"type": "inbox.event", "event": event}
        if audience is not None and not group.startswith("agent."):  # an agent's own group is addressed to them
            message["audience"] = audience
        sends.append((group, message))
    event_loop_run(_group_send_all(layer, sends), timeout=SEND_TIMEOUT)


async def _group_send_all(layer, sends: list[tuple[str, dict]]) -> None:
    # One trip to the event loop for all groups.
    await asyncio.gather(*(layer.group_send(group, message) for group, message in sends))


def _audience(event: dict, previously) -> list[list[int | None]] | None:
    """Who may hear an event: ``[[team_id, assignee_id], ...]`` of the conversation now (and
    before the change); None when the event is not about a conversation. One indexed read."""
    conversation_id = event.get("conversation_id")
    if not isinstance(conversation_id, int):
        return None
    from inbox.models import Conversation  # events is imported by the models' services

    now = Conversation.objects.filter(pk=conversation_id).values_list("team_id", "assignee_id").first()
    pairs = [list(now)] if now else []  # a deleted conversation: admins only
    if previously is not None and list(previously) not in pairs:
        pairs.append(list(previously))
    return pairs


def audience_admits(viewer, audience: list[list[int | None]] | None) -> bool:
    """Whether a socket's ``viewer`` (inbox.access.Viewer) may receive an event with this audience."""
    if audience is None or viewer.sees_all:
        return True
    return any(viewer.can_see(team_id=team_id, assignee_id=assignee_id) for team_id, assignee_id in audience)
