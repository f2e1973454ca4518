"""Automatic QA flags, from a scan of the messages written since the last run.

What is flagged: compliance phrases (from the admin list), a customer's sentiment turning
negative, AI answers that cite nothing, and questions the AI handed off because it could
not answer (knowledge gaps, grouped by topic).
"""

import re
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from inbox.models import Message
from inbox.qa.models import CompliancePhrase, QaCursor, QaFlag

BATCH = 2000
# Read only messages this old: by then their transaction has committed (ids commit out of order)
# and classification, which runs after the message is stored, has had time to finish.
SETTLE = timedelta(minutes=2)
NEGATIVE_RUN = 2  # this many negative customer messages in a row
GAP_REASONS = ("no grounded answer", "low retrieval score", "could not ground", "no answer")
STOPWORDS = set(
    [
        "a",
        "an",
        "the",
        "i",
        "my",
        "me",
        "we",
        "our",
        "you",
        "your",
        "is",
        "are",
        "was",
        "were",
        "be",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "but",
        "with",
        "it",
        "this",
        "that",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "how",
        "what",
        "when",
        "where",
        "why",
        "which",
        "who",
        "have",
        "has",
        "had",
        "not",
        "no",
        "please",
        "thanks",
        "thank",
        "hi",
        "hello",
        "there",
        "any",
        "about",
        "from",
        "at",
        "as",
        "by",
        "if",
        "so",
        "just",
        "get",
    ]
)


def qa_scan(*, limit: int = BATCH, settle: timedelta = SETTLE) -> int:
    """Flag what needs review in messages written since the last scan; returns how many were read."""
    cursor, _ = QaCursor.objects.get_or_create(pk=1)
    messages = list(
        Message.objects.filter(pk__gt=cursor.last_message_id, created_at__lt=timezone.now() - settle).order_by("pk")[
            :limit
        ]
    )
    if not messages:
        return 0
    phrases = [(p, _phrase_pattern(p.phrase)) for p in CompliancePhrase.objects.filter(active=True)]
    for message in messages:
        for kind, detail, topic in _findings(message, phrases):
            _flag(message, kind, detail, topic)
    QaCursor.objects.filter(pk=1).update(last_message_id=messages[-1].pk)
    return len(messages)


def _findings(message: Message, phrases) -> Iterable[tuple[str, str, str]]:
    business = message.direction == Message.Direction.OUTBOUND and message.author_kind in ("agent", "ai")
    customer = message.direction == Message.Direction.INBOUND
    for phrase, pattern in phrases:
        applies = (
            phrase.said_by == "anyone"
            or (phrase.said_by == "business" and business)
            or (phrase.said_by == "customer" and customer)
        )
        if applies and pattern.search(message.text):
            yield QaFlag.Kind.COMPLIANCE, f"{phrase.label}: \u201c{phrase.phrase}\u201d", ""
    if business and message.author_kind == "ai" and not message.metadata.get("citations"):
        yield QaFlag.Kind.UNGROUNDED, "The AI answered without citing an article", ""
    if customer and (message.classification or {}).get("sentiment") == "negative" and _negative_run(message):
        yield QaFlag.Kind.NEGATIVE_TREND, f"{NEGATIVE_RUN} negative customer messages in a row", ""
    if message.direction == Message.Direction.EVENT and (message.metadata or {}).get("handoff_reason"):
        reason = str(message.metadata["handoff_reason"])
        if any(r in reason.lower() for r in GAP_REASONS):
            question = _last_question(message)
            if question:
                yield QaFlag.Kind.KNOWLEDGE_GAP, question[:500], qa_topic(question)


def _negative_run(message: Message) -> bool:
    recent = (
        Message.objects.filter(
            conversation_id=message.conversation_id, direction=Message.Direction.INBOUND, pk__lte=message.pk
        )
        .order_by("-pk")
        .values_list("classification", flat=True)[:NEGATIVE_RUN]
    )
    sentiments = [(c or {}).get("sentiment") for c in recent]
    return len(sentiments) == NEGATIVE_RUN and all(s == "negative" for s in sentiments)


def _last_question(event: Message) -> str:
    inbound = (
        Message.objects.filter(
            conversation_id=event.conversation_id, direction=Message.Direction.INBOUND, pk__lt=event.pk
        )
        .order_by("-pk")
        .values_list("text", flat=True)
        .first()
    )
    return (inbound or "").strip()


def qa_topic(question: str) -> str:
    """A coarse topic for grouping similar unanswered questions: its main words, sorted."""
    words = [w for w in re.findall(r"[a-z][a-z'-]+", question.lower()) if w not in STOPWORDS and len(w) > 2]
    return " ".join(sorted(dict.fromkeys(words))[:4])


def _phrase_pattern(phrase: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(phrase.strip())}(?!\w)", re.IGNORECASE)


def _flag(message: Message, kind: str, detail: str, topic: str) -> None:
    try:
        with transaction.atomic():
            QaFlag.objects.create(
                conversation_id=message.conversation_id, message=message, kind=kind, detail=detail, topic=topic
            )
    except IntegrityError:
        pass  # scanned before (a rerun after a crash): flagged once
