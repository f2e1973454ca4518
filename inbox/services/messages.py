from collections.abc import Sequence
from dataclasses import dataclass

import nh3
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from inbox.csat.answers import csat_open_survey, csat_rating_parse, csat_record
from inbox.events import INBOX_GROUP, conversation_group, event_publish
from inbox.models import CHANNEL_CONTACT_KIND, Attachment, Channel, Conversation, Customer, Message
from inbox.services.contacts import contact_point_resolve
from inbox.services.whatsapp import whatsapp_window_check

PREVIEW_LENGTH = 200
HUMAN_OR_AI = (Message.Author.AGENT, Message.Author.AI)


@dataclass(frozen=True)
class IncomingAttachment:
    """A file that came with a message: its bytes now, or a URL to fetch later."""

    filename: str
    content_type: str
    content: bytes | None = None
    source_url: str = ""


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool


def message_receive(
    *,
    channel: str,
    address: str,
    text: str = "",
    html: str = "",
    external_id: str = "",
    name: str = "",
    subject: str = "",
    conversation_id: int | None = None,
    metadata: dict | None = None,
    attachments: Sequence[IncomingAttachment] = (),
) -> Received:
    """Store a customer's message on their one customer record, exactly once.

    Idempotent on (channel, external_id): a provider's retry returns the stored message with
    ``created=False``. ``conversation_id`` is a threading hint (email headers, a widget
    session); it is used only when that conversation belongs to the sender. Otherwise the
    customer's active conversation continues, or a new one opens.
    """
    if channel not in Channel.values:
        raise ValidationError(f"Unknown channel {channel!r}")
    if external_id:
        stored = Message.objects.filter(channel=channel, external_id=external_id).first()
        if stored:
            return Received(stored, False)

    with transaction.atomic():
        point = contact_point_resolve(kind=CHANNEL_CONTACT_KIND[channel], address=address, name=name)
        # One writer per customer at a time, so two messages never open two conversations.
        customer = Customer.objects.select_for_update().get(pk=point.customer_id)
        # A short "5" or "great" after a survey answers it: it neither reopens nor opens a conversation.
        survey = csat_open_survey(customer_id=customer.pk, text=text)
        if survey:
            conversation = survey.conversation
            metadata = {**(metadata or {}), "csat_rating": csat_rating_parse(text)}
        else:
            conversation = _conversation_for_inbound(customer, conversation_id, subject)
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    conversation=conversation,
                    channel=channel,
                    direction=Message.Direction.INBOUND,
                    author_kind=Message.Author.CUSTOMER,
                    text=text,
                    html=nh3.clean(html) if html else "",
                    external_id=external_id,
                    metadata=metadata or {},
                )
        except IntegrityError:
            # A concurrent delivery of the same provider id won the race.
            return Received(Message.objects.get(channel=channel, external_id=external_id), False)
        _attachments_store(message, attachments)
        if survey:
            csat_record(survey=survey, rating=message.metadata["csat_rating"])
        _conversation_track(conversation, message)
        event_publish(
            type="message",
            op="created",
            groups=[conversation_group(conversation.pk), INBOX_GROUP],
            conversation_id=conversation.pk,
            message_id=message.pk,
        )
        if not (metadata or {}).get("auto_reply"):  # an out-of-office answer is not routed
            # robust: the message is stored; if the broker is down, inbound_pipeline_recover finds it later.
            transaction.on_commit(lambda: _inbound_enqueue(message.pk), robust=True)
    return Received(message, True)


def _inbound_enqueue(message_id: int) -> None:
    from inbox.tasks import inbound_message_process  # tasks import services: import late

    inbound_message_process.delay(message_id)


def message_append_outbound(
    *,
    conversation: Conversation,
    channel: str,
    text: str,
    author_kind: str = Message.Author.AGENT,
    author: AbstractBaseUser | None = None,
    html: str = "",
    metadata: dict | None = None,
) -> Message:
    """Record a reply to the customer, pending delivery by the channel's sender.

    The customer must have a contact point for ``channel``.
    """
    if not text.strip() and not html.strip():
        raise ValidationError("A reply needs some text")
    kind = CHANNEL_CONTACT_KIND.get(channel)
    if kind is None:
        raise ValidationError(f"Unknown channel {channel!r}")
    if not conversation.customer.contact_points.filter(kind=kind).exists():
        raise ValidationError(f"This customer cannot be reached on {Channel(channel).label}")
    if channel == Channel.WHATSAPP and not (metadata or {}).get("whatsapp_template"):
        # Refused before anything is stored; templates (sent by whatsapp_template_send) may go out.
        whatsapp_window_check(conversation)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        message = Message.objects.create(
            conversation=conversation,
            channel=channel,
            direction=Message.Direction.OUTBOUND,
            author_kind=author_kind,
            author=author,
            text=text,
            html=nh3.clean(html) if html else "",
            delivery_status=Message.Delivery.PENDING,
            metadata=metadata or {},
        )
        _conversation_track(conversation, message)
        event_publish(
            type="message",
            op="created",
            groups=[conversation_group(conversation.pk), INBOX_GROUP],
            conversation_id=conversation.pk,
            message_id=message.pk,
        )
        _delivery_enqueue(message.pk)
    return message


def _delivery_enqueue(message_id: int) -> None:
    # Imported here: the transports depend on the inbox, not the other way round.
    from channels_app.delivery import message_deliver

    transaction.on_commit(lambda: message_deliver.delay(message_id), robust=True)


def note_add(*, conversation: Conversation, author: AbstractBaseUser | None, text: str) -> Message:
    """An internal note: seen by agents, never sent to the customer."""
    if not text.strip():
        raise ValidationError("A note needs some text")
    return _internal_add(
        conversation=conversation,
        direction=Message.Direction.NOTE,
        author_kind=Message.Author.AGENT if author else Message.Author.AI,
        author=author,
        text=text,
        metadata={},
    )


def system_event_add(*, conversation: Conversation, text: str, metadata: dict | None = None) -> Message:
    """A line in the timeline saying what happened and why ("Assigned to Ana by rule 'VIP'")."""
    return _internal_add(
        conversation=conversation,
        direction=Message.Direction.EVENT,
        author_kind=Message.Author.SYSTEM,
        author=None,
        text=text,
        metadata=metadata or {},
    )


def _internal_add(
    *, conversation: Conversation, direction: str, author_kind: str, author, text: str, metadata: dict
) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        direction=direction,
        author_kind=author_kind,
        author=author,
        text=text,
        metadata=metadata,
    )
    event_publish(
        type="message",
        op="created",
        groups=[conversation_group(conversation.pk)],
        conversation_id=conversation.pk,
        message_id=message.pk,
    )
    return message


def _conversation_for_inbound(customer: Customer, conversation_id: int | None, subject: str) -> Conversation:
    theirs = Conversation.objects.filter(customer=customer)
    conversation = None
    if conversation_id:
        conversation = theirs.filter(pk=conversation_id).first()
    if conversation is None:
        conversation = (
            theirs.filter(status__in=Conversation.ACTIVE_STATUSES).order_by("-last_message_at", "-pk").first()
        )
    if conversation is None:
        conversation = Conversation.objects.create(customer=customer, subject=subject[:300])
        event_publish(type="conversation", op="created", groups=[INBOX_GROUP], conversation_id=conversation.pk)
    elif conversation.status in (Conversation.Status.RESOLVED, Conversation.Status.SNOOZED):
        # The customer writing again wakes a snoozed or resolved conversation.
        conversation.status = Conversation.Status.OPEN
        conversation.snoozed_until = None
        conversation.resolved_at = None
    return conversation


def _conversation_track(conversation: Conversation, message: Message) -> None:
    """Keep the denormalised list fields in step with the newest message."""
    at = message.created_at
    conversation.last_message_at = at
    automatic = message.direction == Message.Direction.OUTBOUND and message.author_kind == Message.Author.SYSTEM
    if not automatic:  # a survey or an after-hours notice would hide what the conversation is about
        conversation.last_message_preview = (message.text or nh3.clean(message.html, tags=set()))[:PREVIEW_LENGTH]
    if message.channel and message.channel not in conversation.channels:
        conversation.channels = [*conversation.channels, message.channel]
    answer = message.metadata.get("csat_rating") is not None  # leaves it resolved, with nobody waiting
    if message.direction == Message.Direction.INBOUND and not answer:
        conversation.last_inbound_at = at
        conversation.last_inbound_channel = message.channel
        if message.channel == Channel.WHATSAPP:
            conversation.whatsapp_last_inbound_at = at
        conversation.waiting_since = conversation.waiting_since or at
    elif message.direction == Message.Direction.OUTBOUND and message.author_kind in HUMAN_OR_AI:
        # Automatic messages (acknowledgements, surveys) are not an answer: the customer still waits.
        conversation.waiting_since = None
        conversation.first_response_at = conversation.first_response_at or at
    conversation.save()


def _attachments_store(message: Message, attachments: Sequence[IncomingAttachment]) -> None:
    for item in attachments:
        attachment = Attachment(
            message=message,
            filename=item.filename[:255],
            content_type=item.content_type[:100],
            source_url=item.source_url,
            state=Attachment.State.PENDING if item.content is None else Attachment.State.STORED,
        )
        if item.content is not None:
            attachment.size = len(item.content)
            attachment.file.save(item.filename or "attachment", ContentFile(item.content), save=False)
        attachment.save()
