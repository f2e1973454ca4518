"""Email in: one raw message, from any transport (SMTP receiver, IMAP poll), into the inbox."""

import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from channels_app.email.addresses import conversation_from_address
from channels_app.email.parsing import EmailUnreadable, ParsedEmail, email_parse
from inbox.models import Channel, ContactKind, Message
from inbox.services import (
    IncomingAttachment,
    Received,
    contact_address_normalise,
    message_receive,
    system_event_add,
)

logger = logging.getLogger(__name__)

ORIGINAL_FILENAME = "original.eml"


def email_thread_find(parsed: ParsedEmail, *, envelope_recipients: Sequence[str] = ()) -> int | None:
    """The conversation this email continues: a signed reply address first, then its headers.

    message_receive only honours the hint when the conversation belongs to the sender, so a
    stolen Message-ID or reply address cannot put mail into someone else's conversation.
    """
    for address in [*envelope_recipients, *parsed.recipients]:
        conversation_id = conversation_from_address(address)
        if conversation_id:
            return conversation_id
    if not parsed.thread_ids:
        return None
    known = dict(
        Message.objects.filter(
            channel__in=[Channel.EMAIL, Channel.CHAT], external_id__in=parsed.thread_ids
        ).values_list("external_id", "conversation_id")
    )
    for message_id in parsed.thread_ids:  # the nearest ancestor we know wins
        if message_id in known:
            return known[message_id]
    return None


def email_receive(*, raw: bytes, envelope_recipients: Sequence[str] = ()) -> Received:
    """Store one inbound email exactly once (idempotent on its Message-ID).

    Raises EmailUnreadable when there is no sender; anything else about the message may be
    broken and it is still stored, with the original source attached as ``original.eml``.
    """
    parsed = email_parse(raw)
    try:
        contact_address_normalise(kind=ContactKind.EMAIL, address=parsed.from_address)
    except ValidationError as exc:
        raise EmailUnreadable(f"the sender address {parsed.from_address!r} is not valid") from exc
    conversation_id = email_thread_find(parsed, envelope_recipients=envelope_recipients)
    metadata = {
        "email": {
            "message_id": parsed.message_id,
            "subject": parsed.subject,
            "from_address": parsed.from_address,
            "in_reply_to": parsed.in_reply_to,
            "references": parsed.references,
            "quoted_text_removed": parsed.reply_text != parsed.text.strip() or parsed.reply_html != parsed.html,
        },
        "auto_reply": bool(parsed.auto_reply),
    }
    if parsed.auto_reply:
        metadata["auto_reply_reason"] = parsed.auto_reply
    original = IncomingAttachment(filename=ORIGINAL_FILENAME, content_type="message/rfc822", content=raw)
    with transaction.atomic():
        received = message_receive(
            channel=Channel.EMAIL,
            address=parsed.from_address,
            name=parsed.from_name,
            text=parsed.reply_text,
            html=parsed.reply_html,
            external_id=parsed.message_id,
            subject=_subject_clean(parsed.subject),
            conversation_id=conversation_id,
            metadata=metadata,
            attachments=[*parsed.attachments, original],
        )
        if received.created and parsed.bounced_message_ids:
            _bounce_record(parsed, received.message)
    logger.info(
        "email %s from %s: %s message %s",
        parsed.message_id,
        parsed.from_address,
        "stored" if received.created else "duplicate of",
        received.message.pk,
    )
    return received


def _subject_clean(subject: str) -> str:
    """A new conversation's subject without the reply/forward prefixes clients add."""
    cleaned = subject
    while True:
        head, sep, rest = cleaned.partition(":")
        if sep and head.strip().lower() in ("re", "fw", "fwd", "aw", "wg", "sv", "tr", "rv"):
            cleaned = rest.strip()
        else:
            return cleaned


def _bounce_record(parsed: ParsedEmail, bounce: Message) -> None:
    """A bounce of one of our emails marks it undelivered and tells the agent in its conversation."""
    for original in Message.objects.filter(
        channel=Channel.EMAIL, direction=Message.Direction.OUTBOUND, external_id__in=parsed.bounced_message_ids
    ).select_related("conversation"):
        Message.objects.filter(pk=original.pk).update(
            delivery_status=Message.Delivery.UNDELIVERED,
            error_code="bounce",
            error_message=f"Bounced: {parsed.subject}"[:500],
        )
        system_event_add(
            conversation=original.conversation,
            text=f"An email to the customer bounced ({parsed.subject or 'delivery failure'})",
            metadata={"bounce_message_id": bounce.pk, "original_message_id": original.pk},
        )
