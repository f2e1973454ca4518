"""The delivery state of outbound messages: claimed once, then moved forward only.

pending -> sending (claimed by one worker under SELECT FOR UPDATE) -> queued (the provider
took it; its id stored) -> sent -> delivered -> read. failed / undelivered end it, with the
provider's error code shown to the agent. Providers do not promise the order of their status
callbacks, so a late "sent" never moves a "delivered" message back.
"""

from django.db import transaction
from django.utils import timezone

from inbox.events import conversation_group, event_publish
from inbox.models import Message

D = Message.Delivery

# How far along each state is; a callback can only move a message to a higher rank.
RANK = {D.PENDING: 0, D.SENDING: 1, D.QUEUED: 2, D.SENT: 3, D.DELIVERED: 4, D.READ: 5}
FAILURES = (D.FAILED, D.UNDELIVERED)
TIMESTAMP_FIELD = {D.SENT: "sent_at", D.DELIVERED: "delivered_at", D.READ: "read_at"}


def _publish(message: Message) -> None:
    event_publish(
        type="message",
        op="status",
        groups=[conversation_group(message.conversation_id)],
        conversation_id=message.conversation_id,
        message_id=message.pk,
        status=message.delivery_status,
    )


def message_delivery_claim(*, message_id: int) -> Message | None:
    """Move a pending outbound message to ``sending`` and return it; None when it is not pending.

    The one guard against sending twice: only the caller that wins this row lock may call the
    provider. A message already sending, sent or failed is left alone.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, direction=Message.Direction.OUTBOUND, delivery_status=D.PENDING)
            .first()
        )
        if message is None:
            return None
        message.delivery_status = D.SENDING
        message.metadata = {**message.metadata, "sending_since": timezone.now().isoformat()}
        message.save(update_fields=["delivery_status", "metadata"])
        _publish(message)
    return message


def message_delivery_release(*, message_id: int, reason: str) -> None:
    """Put a ``sending`` message back to pending after a failure the provider certainly did not act on."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id, delivery_status=D.SENDING).first()
        if message is None:
            return
        message.delivery_status = D.PENDING
        message.error_message = f"Retrying: {reason}"[:500]
        message.save(update_fields=["delivery_status", "error_message"])
        _publish(message)


def message_delivery_accepted(*, message_id: int, external_id: str, status: str = D.QUEUED) -> Message:
    """Record that the provider took the message: its id, and its first status."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.external_id = external_id
        fields = ["external_id"]
        # A callback may have arrived first (matched by message id): never move back. A failure
        # we declared ourselves (no provider code: the recovery could not confirm it) yields to
        # the provider's word that it has the message.
        unconfirmed = message.delivery_status in FAILURES and not message.error_code
        if message.delivery_status in (D.PENDING, D.SENDING) or unconfirmed:
            message.delivery_status = status if status in RANK else D.QUEUED
            message.error_code = message.error_message = ""
            fields += ["delivery_status", "error_code", "error_message"]
        message.save(update_fields=fields)
        _publish(message)
    return message


def message_delivery_fail(*, message_id: int, reason: str, code: str = "", status: str = D.FAILED) -> Message:
    """Mark an outbound message failed, with the reason (and provider code) the agent will see."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.delivery_status = status
        message.error_code = str(code or "")[:30]
        message.error_message = reason[:500]
        message.save(update_fields=["delivery_status", "error_code", "error_message"])
        _publish(message)
    return message


def message_delivery_update(
    *,
    channel: str,
    external_id: str,
    status: str,
    error_code: str = "",
    error_message: str = "",
    message_id: int | None = None,
) -> Message | None:
    """Apply a provider's status report, forward only; None when the message is not ours.

    ``status`` is one of Message.Delivery. ``message_id`` is a hint carried in the callback URL:
    it finds a message whose worker died after the provider took it but before its id was
    stored, and the provider's id is stored then. Reports for failed or undelivered messages
    and reports that would move a message back are ignored (timestamps still fill in).
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(channel=channel, external_id=external_id).first()
        linked_now = False
        if message is None and message_id:
            message = (
                Message.objects.select_for_update()
                .filter(pk=message_id, channel=channel, direction=Message.Direction.OUTBOUND, external_id="")
                .first()
            )
            if message is not None:
                message.external_id, linked_now = external_id, True
                if message.delivery_status in FAILURES and not message.error_code:
                    # We gave up on confirming it ourselves; the provider's word wins.
                    message.delivery_status = D.SENDING
                    message.error_message = ""
        if message is None:
            return None

        now = timezone.now()
        current = message.delivery_status
        if current in FAILURES:
            pass  # final: a late "delivered" after "undelivered" is noise
        elif status in FAILURES:
            if RANK.get(current, 0) < RANK[D.DELIVERED]:
                message.delivery_status = status
                message.error_code = str(error_code or "")[:30]
                message.error_message = (error_message or f"The provider reported the message {status}")[:500]
        elif status in RANK and RANK[status] > RANK.get(current, 0):
            message.delivery_status = status
            message.error_message = ""
        for reached, field in TIMESTAMP_FIELD.items():
            if status in RANK and RANK[status] >= RANK[reached] and getattr(message, field) is None:
                setattr(message, field, now)
        message.save()
        if message.delivery_status != current or linked_now:
            _publish(message)  # repeats and stale reports change nothing an agent sees
    return message
