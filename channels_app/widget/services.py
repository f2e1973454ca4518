"""What a widget visitor can do. Consumers call these; realtime goes out through event_publish.

A visitor is a chat ContactPoint (kind "chat", address = visitor id). Their conversation is
their customer's newest conversation that has chat in it; a visitor never sees any other.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels_app.widget.tokens import identity_verify
from inbox.csat.answers import csat_record
from inbox.csat.models import CsatSurvey
from inbox.events import conversation_group, event_publish
from inbox.models import Channel, ContactKind, ContactPoint, Conversation, Customer, Message
from inbox.services import contact_address_normalise, contact_point_resolve, message_receive, system_event_add

MAX_TEXT = 5000
HISTORY_LIMIT = 200
PRESENCE_SECONDS = 75  # the widget pings every 25 s while its socket is open
DELIVERY_ORDER = [
    Message.Delivery.PENDING,
    Message.Delivery.SENDING,
    Message.Delivery.QUEUED,
    Message.Delivery.SENT,
    Message.Delivery.DELIVERED,
    Message.Delivery.READ,
]


def widget_group(conversation_id: int) -> str:
    """The visitor's sockets for one conversation (agents use conversation_group)."""
    return f"widget.{conversation_id}"


def widget_conversation(*, visitor_id: str) -> Conversation | None:
    return (
        Conversation.objects.filter(
            customer__contact_points__kind=ContactKind.CHAT,
            customer__contact_points__address=visitor_id,
            channels__contains=[Channel.CHAT],
        )
        .order_by("-last_message_at", "-pk")
        .first()
    )


def widget_history(*, conversation: Conversation | None) -> list[dict]:
    """What the visitor sees: the customer-facing messages, oldest first, in one query."""
    if conversation is None:
        return []
    messages = (
        widget_visible_messages(conversation.messages.all())
        .select_related("author")
        .order_by("-created_at", "-pk")[:HISTORY_LIMIT]
    )
    return [widget_message_payload(m) for m in reversed(messages)]


def widget_visible_messages(messages):
    """Only the chat itself: never notes, and never other channels' messages, which may come
    from an email address the visitor typed but does not own."""
    return messages.filter(channel=Channel.CHAT, direction__in=[Message.Direction.INBOUND, Message.Direction.OUTBOUND])


def widget_message_payload(message: Message) -> dict:
    author = "You"
    if message.direction == Message.Direction.OUTBOUND:
        author = "AI assistant" if message.author_kind == Message.Author.AI else "Support"
        if message.author is not None:
            author = message.author.first_name or message.author.get_username()
    return {
        "id": message.pk,
        "mine": message.direction == Message.Direction.INBOUND,
        "author": author,
        "text": message.text,
        "channel": message.channel,
        "at": message.created_at.isoformat(),
        "client_id": message.metadata.get("client_id", ""),
        "status": message.delivery_status,
        **({"csat": _survey_state(message.metadata["csat_survey"])} if message.metadata.get("csat_survey") else {}),
    }


def _survey_state(survey_id: int) -> dict:
    """What the widget draws under a satisfaction question: the buttons, or the answer given."""
    rating = CsatSurvey.objects.filter(pk=survey_id).values_list("rating", flat=True).first()
    return {"survey": survey_id, "rating": rating}


def widget_csat_rate(*, conversation_id: int, survey_id: int, rating: int, comment: str = "") -> CsatSurvey:
    """The visitor rates their own conversation's survey, once: a second answer is refused."""
    with transaction.atomic():
        survey = CsatSurvey.objects.select_for_update().filter(pk=survey_id, conversation_id=conversation_id).first()
        if survey is None:
            raise ValidationError("That survey is not about this chat")
        if survey.rating is not None:
            raise ValidationError("You already rated this chat. Thank you!")
        return csat_record(survey=survey, rating=rating, comment=comment)


def widget_message_receive(*, visitor_id: str, text: str, client_id: str, name: str = "") -> Message:
    """Store what the visitor typed, once per client-generated id (a resend after reconnect is a no-op)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Type a message first")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"Messages are limited to {MAX_TEXT} characters")
    if not isinstance(client_id, str) or not 8 <= len(client_id) <= 64:
        raise ValidationError("A message needs a client id")
    current = widget_conversation(visitor_id=visitor_id)
    received = message_receive(
        channel=Channel.CHAT,
        address=visitor_id,
        name=name,
        text=text,
        external_id=f"{visitor_id}:{client_id}",
        conversation_id=current.pk if current else None,
        metadata={"client_id": client_id},
    )
    if received.created:
        event_publish(
            type="message",
            op="created",
            groups=[widget_group(received.message.conversation_id)],
            conversation_id=received.message.conversation_id,
            message_id=received.message.pk,
        )
    return received.message


def widget_typing(*, conversation_id: int, who: str, typing: bool) -> None:
    """Tell the other side someone is typing. ``who`` is "visitor" (to agents) or "agent" (to the visitor).

    The inbox UI calls this with who="agent" while an agent types a chat reply.
    """
    group = conversation_group(conversation_id) if who == "visitor" else widget_group(conversation_id)
    event_publish(
        type="typing", op="start" if typing else "stop", groups=[group], conversation_id=conversation_id, who=who
    )


def chat_delivery_mark(*, conversation_id: int, message_ids: list[int], status: str) -> int:
    """Move our chat replies in this conversation forward to delivered/read; never backwards."""
    if status not in (Message.Delivery.DELIVERED, Message.Delivery.READ):
        raise ValidationError("Unknown delivery status")
    ids = [i for i in message_ids if isinstance(i, int)][:HISTORY_LIMIT]
    earlier = DELIVERY_ORDER[: DELIVERY_ORDER.index(status)]
    now = timezone.now()
    changes = {"delivery_status": status, "delivered_at": now} if status == Message.Delivery.DELIVERED else {}
    if status == Message.Delivery.READ:
        changes = {"delivery_status": status, "read_at": now}
    with transaction.atomic():
        mine = Message.objects.filter(
            conversation_id=conversation_id,
            pk__in=ids,
            direction=Message.Direction.OUTBOUND,
            channel=Channel.CHAT,
            delivery_status__in=earlier,
        )
        updated = list(mine.values_list("pk", flat=True))
        Message.objects.filter(pk__in=updated).update(**changes)
        Message.objects.filter(pk__in=updated, delivered_at__isnull=True).update(delivered_at=now)
        for message_id in updated:
            event_publish(
                type="message",
                op="status",
                groups=[conversation_group(conversation_id)],
                conversation_id=conversation_id,
                message_id=message_id,
            )
    return len(updated)


def visitor_presence_touch(*, conversation_id: int, present: bool) -> None:
    key = f"widget:present:{conversation_id}"
    if present:
        cache.set(key, 1, timeout=PRESENCE_SECONDS)
    else:
        cache.delete(key)


def visitor_is_present(*, conversation_id: int) -> bool:
    return bool(cache.get(f"widget:present:{conversation_id}"))


def widget_identify(*, visitor_id: str, email: str, name: str, signature: str) -> bool:
    """Link the visitor to the customer with this email, if the host site's HMAC proves it.

    An anonymous visitor-only customer is folded into the verified one (conversations move
    with a timeline note). A visitor customer that has other contact points is a separate
    identity and is never merged here.
    """
    if not identity_verify(email=email, signature=signature):
        return False
    address = contact_address_normalise(kind=ContactKind.EMAIL, address=email)
    with transaction.atomic():
        email_point = contact_point_resolve(kind=ContactKind.EMAIL, address=address, name=name)
        if not email_point.verified:
            ContactPoint.objects.filter(pk=email_point.pk).update(verified=True)
        target = email_point.customer
        visitor_point = ContactPoint.objects.filter(kind=ContactKind.CHAT, address=visitor_id).first()
        if visitor_point is None:
            _point_add(customer=target, kind=ContactKind.CHAT, address=visitor_id)
        elif visitor_point.customer_id != target.pk:
            _anonymous_fold(visitor_point, target)
    return True


def _anonymous_fold(visitor_point: ContactPoint, target: Customer) -> None:
    anonymous = Customer.objects.select_for_update().get(pk=visitor_point.customer_id)
    if anonymous.contact_points.exclude(pk=visitor_point.pk).exists():
        return  # a customer with its own identity: an agent merges, not the widget
    moved = list(Conversation.objects.filter(customer=anonymous))
    Conversation.objects.filter(customer=anonymous).update(customer=target)
    ContactPoint.objects.filter(pk=visitor_point.pk).update(customer=target)
    for conversation in moved:
        system_event_add(
            conversation=conversation,
            text=f"Chat visitor identified by the website as {target}; conversation moved to that customer",
        )
    anonymous.delete()


def _point_add(*, customer: Customer, kind: str, address: str, verified: bool = False) -> ContactPoint | None:
    """Add an address to a customer; None when it already belongs to someone (never re-pointed here)."""
    try:
        with transaction.atomic():
            return ContactPoint.objects.create(customer=customer, kind=kind, address=address, verified=verified)
    except IntegrityError:
        return None


@dataclass(frozen=True)
class OfflineEmail:
    status: str  # "linked": replies go there; "known": already theirs; "held": belongs to someone else
    email: str


def widget_offline_email_set(*, visitor_id: str, email: str) -> OfflineEmail:
    """The visitor left an email because nobody could answer: reach them there when they are gone.

    An address that already belongs to another customer is not linked (that would hand this
    visitor's conversation to a stranger, or theirs to this visitor): it is noted for an agent.
    """
    address = contact_address_normalise(kind=ContactKind.EMAIL, address=email)
    with transaction.atomic():
        visitor_point = contact_point_resolve(kind=ContactKind.CHAT, address=visitor_id)
        customer = visitor_point.customer
        conversation = widget_conversation(visitor_id=visitor_id)
        existing = ContactPoint.objects.filter(kind=ContactKind.EMAIL, address=address).first()
        if existing and existing.customer_id == customer.pk:
            result = OfflineEmail("known", address)
        elif existing is None and _point_add(customer=customer, kind=ContactKind.EMAIL, address=address):
            result = OfflineEmail("linked", address)
            if conversation:
                system_event_add(
                    conversation=conversation,
                    text=f"The visitor left {address} while nobody was available; replies go there when they leave",
                )
        else:
            result = OfflineEmail("held", address)
            held = customer.attributes.get("unverified_emails", [])
            customer.attributes = {**customer.attributes, "unverified_emails": sorted({*held, address})}
            customer.save(update_fields=["attributes", "updated_at"])
            if conversation:
                system_event_add(
                    conversation=conversation,
                    text=(
                        f"The visitor left {address}, which belongs to another customer; not linked. "
                        "Merge the customers if they are the same person."
                    ),
                    metadata={"unverified_email": address},
                )
    return result
