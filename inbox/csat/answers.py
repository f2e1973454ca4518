"""Recognising and recording answers to satisfaction surveys (used by message_receive, so it imports no services)."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.csat.models import CsatSurvey

WORDS = {
    1: ("terrible", "awful", "very bad", "horrible", "very poor", "hated"),
    2: ("bad", "poor", "not good", "unhappy", "disappointed"),
    3: ("ok", "okay", "fine", "average", "meh", "so so", "so-so"),
    4: ("good", "nice", "happy", "pleased"),
    5: ("excellent", "great", "amazing", "perfect", "awesome", "fantastic", "very good", "loved"),
}
# Most specific phrases first, so "very bad" is read before "bad" and "not good" before "good".
PHRASES = sorted(((w, r) for r, words in WORDS.items() for w in words), key=lambda wr: len(wr[0]), reverse=True)


def csat_rating_parse(text: str) -> int | None:
    """A 1-5 rating from a short reply ("5", "4/5", "great!", "very bad"), else None.

    Long messages are a new question, not an answer: they are never read as a rating.
    """
    cleaned = text.strip().lower()
    if not cleaned or len(cleaned) > 40:
        return None
    number = re.fullmatch(r"([1-5])\s*((/|out of)\s*5)?\s*(stars?)?[.!]*", cleaned)
    if number:
        return int(number.group(1))
    words = " ".join(re.sub(r"[^a-z\s-]", " ", cleaned).split())
    for phrase, rating in PHRASES:
        if words == phrase or words.startswith(f"{phrase} "):
            return rating
    return None


def csat_open_survey(*, customer_id: int, text: str) -> CsatSurvey | None:
    """The survey this customer's message answers: an unanswered, recent one, if the text is a rating."""
    if csat_rating_parse(text) is None:
        return None
    recent = timezone.now() - timedelta(days=settings.CSAT_ANSWER_DAYS)
    return (
        CsatSurvey.objects.filter(customer_id=customer_id, rating__isnull=True, asked_at__gte=recent)
        .order_by("-asked_at")
        .first()
    )


def csat_record(*, survey: CsatSurvey, rating: int, comment: str = "") -> CsatSurvey:
    """Store the answer. Answering again (a second click) updates it."""
    if rating not in range(1, 6):
        raise ValidationError("A rating is a whole number from 1 to 5")
    survey.rating = rating
    survey.comment = comment.strip()[:2000] or survey.comment
    survey.answered_at = timezone.now()
    survey.save(update_fields=["rating", "comment", "answered_at"])
    return survey
