"""Delivery status from the providers' callbacks: stored monotonically, published live."""

from django.db import transaction
from django.utils import timezone

from inbox.events import conversation_group, event_publish
from inbox.models import Message

# Callbacks arrive out of order: a status never moves to a lower rank. A failure after the
# message was delivered or read is ignored (the customer has it).
RANK = {
    Message.Delivery.PENDING: 0,
    Message.Delivery.SENDING: 1,
    Message.Delivery.QUEUED: 2,
    Message.Delivery.SENT: 3,
    Message.Delivery.FAILED: 4,
    Message.Delivery.UNDELIVERED: 4,
    Message.Delivery.DELIVERED: 5,
    Message.Delivery.READ: 6,
}
TIMESTAMP = {
    Message.Delivery.SENT: "sent_at",
    Message.Delivery.DELIVERED: "delivered_at",
    Message.Delivery.READ: "read_at",
}


def message_delivery_update(
    *, channel: str, external_id: str, status: str, error_code: str = "", error_message: str = ""
) -> Message | None:
    """Apply a provider's status for the message it knows as ``external_id`` on ``channel``.

    Returns the message, or None when no such message exists (an unknown id is not an error
    a provider can fix). Unknown statuses and backward moves leave the message unchanged.
    """
    if status not in RANK:
        return Message.objects.filter(channel=channel, external_id=external_id).first()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(channel=channel, external_id=external_id).first()
        if message is None:
            return None
        current = RANK.get(message.delivery_status, -1)
        if RANK[status] <= current:
            return message
        message.delivery_status = status
        fields = ["delivery_status"]
        if status in (Message.Delivery.FAILED, Message.Delivery.UNDELIVERED):
            message.error_code = error_code[:30]
            message.error_message = error_message[:500]
            fields += ["error_code", "error_message"]
        stamp = TIMESTAMP.get(status)
        if stamp:
            setattr(message, stamp, timezone.now())
            fields.append(stamp)
        message.save(update_fields=fields)
        event_publish(
            type="message",
            op="status",
            groups=[conversation_group(message.conversation_id)],
            conversation_id=message.conversation_id,
            message_id=message.pk,
            status=status,
        )
    return message
