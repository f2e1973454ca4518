"""The one way realtime events leave the app: after commit, small dicts, to id-named groups.

Only services call ``event_publish``. Browsers treat an event as a hint to refetch the
partial it names, so payloads carry ids, never customer text.
"""

from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from inbox.api.webhooks import webhook_deliveries_record

INBOX_GROUP = "inbox"  # every connected agent: list and counts


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


def event_publish(*, type: str, op: str, groups: Iterable[str], **ids: int | str | None) -> None:
    """Send ``{"type", "op", **ids}`` to ``groups`` once the current transaction commits.

    Nothing is sent if the transaction rolls back. A broken channel layer is logged, never
    raised: the data is already committed and clients resync from the database.
    """
    event = {"type": type, "op": op, **ids}
    targets = tuple(dict.fromkeys(groups))
    webhook_deliveries_record(event=event)  # in this transaction: the outbox commits with the change
    transaction.on_commit(lambda: _dispatch(targets, event), robust=True)


def _dispatch(groups: tuple[str, ...], event: dict) -> None:
    # One async_to_sync for all groups: each call runs a fresh event loop, and channels-redis
    # opens a new Redis connection per loop (a third of a webhook's time when done per group).
    async_to_sync(_group_send_all)(groups, event)


async def _group_send_all(groups: tuple[str, ...], event: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        await layer.group_send(group, {"type": "inbox.event", "event": event})
