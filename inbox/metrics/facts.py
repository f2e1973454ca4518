"""Build ConversationFact rows from what was recorded: message times, authors, system events.

Incremental: each run reads only conversations updated since the last run, so the
dashboard never scans the whole message history on a page load.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from inbox.csat.models import CsatSurvey
from inbox.hours import open_seconds
from inbox.metrics.models import ConversationFact, FactsCursor
from inbox.models import Channel, Conversation, Message
from inbox.models_routing import BusinessHours

BATCH = 500
ABANDON_AFTER = timedelta(minutes=15)
# A conversation updated in the last moments may still be mid-transaction elsewhere.
SETTLE = timedelta(seconds=5)


def conversation_facts_refresh(*, full: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute facts of conversations changed since the last run (all of them with ``full``)."""
    now = timezone.now()
    cursor = FactsCursor.objects.first()
    changed = Conversation.objects.all()
    if cursor and not full:
        changed = changed.filter(updated_at__gte=cursor.refreshed_until - SETTLE)
    ids = list(changed.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        _refresh_batch(ids[start : start + BATCH], now)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    with transaction.atomic():
        FactsCursor.objects.all().delete()
        FactsCursor.objects.create(refreshed_until=now)
    return len(ids)


def _refresh_batch(ids: list[int], now) -> None:
    conversations = list(
        Conversation.objects.filter(pk__in=ids).only(
            "pk", "created_at", "channels", "team_id", "assignee_id", "status", "resolved_at", "first_response_at"
        )
    )
    timeline: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        Message.objects.filter(conversation_id__in=ids)
        .order_by("conversation_id", "created_at", "pk")
        .values_list("conversation_id", "direction", "author_kind", "author_id", "channel", "created_at", "metadata")
    )
    for row in rows.iterator(chunk_size=5000):
        timeline[row[0]].append(row[1:])
    ratings = dict(
        CsatSurvey.objects.filter(conversation_id__in=ids, rating__isnull=False).values_list(
            "conversation_id", "rating"
        )
    )
    hours = {h.team_id: h for h in BusinessHours.objects.filter(team_id__in={c.team_id for c in conversations})}
    facts = [_fact(c, timeline[c.pk], now, hours.get(c.team_id)) for c in conversations]
    for fact in facts:
        fact.csat_rating = ratings.get(fact.conversation_id)
    ConversationFact.objects.bulk_create(
        facts,
        update_conflicts=True,
        unique_fields=["conversation"],
        update_fields=[f.name for f in ConversationFact._meta.concrete_fields if f.name not in ("id", "conversation")],
    )


def _fact(conversation: Conversation, messages: Iterable[tuple], now, hours: BusinessHours | None) -> ConversationFact:
    fact = ConversationFact(conversation=conversation, started_at=conversation.created_at, team_id=conversation.team_id)
    waits, waiting_since, first_inbound_channel, last_human = [], None, "", None
    for direction, author_kind, author_id, channel, at, metadata in messages:
        if direction == Message.Direction.INBOUND:
            fact.inbound_count += 1
            first_inbound_channel = first_inbound_channel or channel
            waiting_since = waiting_since or at
        elif direction == Message.Direction.OUTBOUND and author_kind in (Message.Author.AGENT, Message.Author.AI):
            if author_kind == Message.Author.AI:
                fact.ai_replies += 1
            else:
                fact.human_replies += 1
                last_human = author_id
            if waiting_since is not None:
                waits.append(
                    (
                        (at - waiting_since).total_seconds(),
                        open_seconds(hours, waiting_since, at),
                        author_kind == Message.Author.AI,
                    )
                )
                waiting_since = None
        elif direction == Message.Direction.EVENT and metadata:
            if metadata.get("handoff_reason"):
                fact.handed_off = True
                fact.handoff_reason = str(metadata["handoff_reason"])[:200]
            if metadata.get("kind") == "sla" and metadata.get("stage") == "breached":
                fact.sla_breaches += 1
    if waits:
        fact.first_response_seconds, fact.first_response_business_seconds, fact.first_response_by_ai = waits[0]
        if later := waits[1:]:
            fact.next_response_seconds = sum(w[0] for w in later) / len(later)
            fact.next_response_business_seconds = sum(w[1] for w in later) / len(later)
    fact.channel = first_inbound_channel or (conversation.channels[0] if conversation.channels else "")
    fact.agent_id = last_human or conversation.assignee_id
    fact.resolved = conversation.status == Conversation.Status.RESOLVED
    if fact.resolved and conversation.resolved_at:
        fact.resolution_seconds = (conversation.resolved_at - conversation.created_at).total_seconds()
        fact.resolution_business_seconds = open_seconds(hours, conversation.created_at, conversation.resolved_at)
    fact.resolved_by_ai = fact.resolved and fact.ai_replies > 0 and fact.human_replies == 0
    fact.abandoned = (
        fact.channel == Channel.CHAT
        and not waits
        and waiting_since is not None
        and (fact.resolved or now - waiting_since > ABANDON_AFTER)
    )
    return fact
