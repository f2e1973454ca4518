"""WhatsApp's 24-hour customer service window.

Free-form messages can only be sent within 24 hours of the customer's last WhatsApp message
(Twilio error 63016 otherwise); outside it only approved templates go out.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.models import Conversation


def whatsapp_window(conversation: Conversation) -> tuple[bool, datetime | None]:
    """``(is_open, closes_at)``; ``closes_at`` is None when the customer never wrote on WhatsApp."""
    last = conversation.whatsapp_last_inbound_at
    if last is None:
        return False, None
    closes_at = last + timedelta(hours=settings.WHATSAPP_WINDOW_HOURS)
    return timezone.now() < closes_at, closes_at


def whatsapp_window_check(conversation: Conversation) -> None:
    """Raise ValidationError, with what to do instead, when a free-form reply cannot go out."""
    is_open, closes_at = whatsapp_window(conversation)
    if is_open:
        return
    if closes_at is None:
        raise ValidationError(
            "This customer has not written on WhatsApp yet, so only an approved template can start the conversation."
        )
    raise ValidationError(
        f"WhatsApp's 24-hour window closed at {timezone.localtime(closes_at):%Y-%m-%d %H:%M %Z}: "
        "send an approved template, or wait for the customer to write again."
    )
