"""Inbound messages whose pipeline task never ran: stored (the database comes first) while the
broker was down or restarted empty. Their classification is still empty; enqueue them again."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from inbox.models import Message

# Older messages are history (imports, generated data), not a lost task.
LOOKBACK = timedelta(hours=1)
BATCH = 200


def inbound_pipeline_recover(*, now: datetime | None = None) -> int:
    """Enqueue ``inbound_message_process`` for stalled inbound messages; returns how many."""
    from inbox.tasks import inbound_message_process  # tasks import this module: import late

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.INBOUND_PIPELINE_STUCK_AFTER_SECONDS)
    stalled = (
        Message.objects.filter(
            direction=Message.Direction.INBOUND,
            author_kind=Message.Author.CUSTOMER,
            classification={},
            created_at__lt=cutoff,
            created_at__gte=now - LOOKBACK,
        )
        .exclude(metadata__has_key="auto_reply")
        .exclude(metadata__has_key="csat_rating")
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    ids = list(stalled)
    for message_id in ids:  # the pipeline is idempotent: a late original task does no harm
        inbound_message_process.delay(message_id)
    return len(ids)
