"""Customer record maintenance from the inbox: add a way to reach them, merge duplicates."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox.access import check_agent
from inbox.audit.services import audit_record
from inbox.events import INBOX_GROUP, conversation_group, event_publish
from inbox.models import ContactKind, ContactPoint, Conversation, Customer
from inbox.services.contacts import contact_address_normalise
from inbox.services.messages import system_event_add


class ContactPointTaken(ValidationError):
    """The address already belongs to another customer; the UI offers to merge the two."""

    def __init__(self, owner: Customer, address: str):
        self.owner = owner
        super().__init__(f"{address} already belongs to {owner}. Merge the two customers instead?")


class VerifiedIdentityConflict(ValidationError):
    """Both customers carry verified identities: merging needs an explicit confirmation."""


def _agent_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def customer_add_contact_point(*, customer: Customer, kind: str, address: str, actor: AbstractBaseUser) -> ContactPoint:
    """Add a phone, WhatsApp number or email to ``customer`` (unverified: an agent typed it).

    Raises ContactPointTaken when another customer already has the address, so nothing is
    silently moved; ValidationError for a malformed address.
    """
    check_agent(actor)
    if kind not in ContactKind.values or kind == ContactKind.CHAT:
        raise ValidationError("Add a phone, WhatsApp number or email address")
    normalised = contact_address_normalise(kind=kind, address=address)
    with transaction.atomic():
        existing = ContactPoint.objects.select_related("customer").filter(kind=kind, address=normalised).first()
        if existing and existing.customer_id == customer.pk:
            raise ValidationError(f"{normalised} is already on this customer")
        if existing:
            raise ContactPointTaken(existing.customer, normalised)
        point = ContactPoint.objects.create(customer=customer, kind=kind, address=normalised)
        conversations = list(Conversation.objects.filter(customer=customer).values_list("pk", flat=True))
        event_publish(
            type="customer",
            op="updated",
            groups=[INBOX_GROUP, *(conversation_group(pk) for pk in conversations)],
            customer_id=customer.pk,
        )
    return point


def customer_merge(
    *, source: Customer, target: Customer, actor: AbstractBaseUser, confirm_verified: bool = False
) -> Customer:
    """Fold ``source`` into ``target``: contact points, conversations, tags and attributes move.

    Two customers who both have VERIFIED contact points may be two real people; that merge is
    refused unless ``confirm_verified`` says a person checked. Each affected conversation gets
    a system event. ``source`` is deleted. Returns the target.
    """
    check_agent(actor)
    if source.pk == target.pk:
        raise ValidationError("Choose two different customers to merge")
    with transaction.atomic():
        # Lock both in id order so two merges of the same pair cannot deadlock.
        locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
        if len(locked) != 2:
            raise ValidationError("One of these customers no longer exists")
        source, target = locked[source.pk], locked[target.pk]
        verified = ContactPoint.objects.filter(customer__in=[source, target], verified=True)
        owners = set(verified.values_list("customer_id", flat=True))
        if len(owners) == 2 and not confirm_verified:
            raise VerifiedIdentityConflict(
                "Both customers have verified contact details; they may be different people. "
                "Confirm the merge to go ahead."
            )

        moved = list(ContactPoint.objects.filter(customer=source).values_list("kind", "address"))
        ContactPoint.objects.filter(customer=source).update(customer=target)
        conversation_ids = list(Conversation.objects.filter(customer=source).values_list("pk", flat=True))
        Conversation.objects.filter(pk__in=conversation_ids).update(customer=target)

        target.tags = list(dict.fromkeys([*target.tags, *source.tags]))
        target.attributes = {**source.attributes, **target.attributes}
        notes = [source.attributes.get("notes"), target.attributes.get("notes")]
        if all(notes) and notes[0] != notes[1]:
            target.attributes["notes"] = f"{notes[1]}\n{notes[0]}"
        target.name = target.name or source.name
        target.language = target.language or source.language
        target.save()

        source_id = source.pk
        addresses = ", ".join(address for _, address in moved) or "no contact details"
        audit_record(
            actor=actor,
            action="customer.merged",
            target=target,
            before={"merged_customer": source_id, "name": source.name, "contact_points": [a for _, a in moved]},
            after={"customer": target.pk, "name": target.name, "conversations_moved": len(conversation_ids)},
        )
        text = f"Customer {source} ({addresses}) merged into {target} by {_agent_name(actor)}"
        affected = Conversation.objects.filter(customer=target)
        for conversation in affected:
            system_event_add(conversation=conversation, text=text, metadata={"kind": "merge", "source": source.pk})
        source.delete()
        event_publish(
            type="customer",
            op="merged",
            groups=[INBOX_GROUP, *(conversation_group(c.pk) for c in affected)],
            customer_id=target.pk,
            merged_customer_id=source_id,
        )
    return target
