import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from inbox.models import ContactKind, ContactPoint, Customer

# A phone number reaches one person over SMS and WhatsApp alike.
SAME_PERSON_KINDS = {
    ContactKind.PHONE: (ContactKind.WHATSAPP,),
    ContactKind.WHATSAPP: (ContactKind.PHONE,),
}


def contact_address_normalise(*, kind: str, address: str) -> str:
    """The canonical form of an address: E.164 for phones, lower case for email.

    Raises ValidationError with a reason a person can act on.
    """
    raw = (address or "").strip()
    if kind in (ContactKind.PHONE, ContactKind.WHATSAPP):
        raw = raw.removeprefix("whatsapp:").strip()
        try:
            number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
        except phonenumbers.NumberParseException as exc:
            raise ValidationError(f"{address!r} is not a phone number") from exc
        if not phonenumbers.is_possible_number(number):
            raise ValidationError(f"{address!r} is not a possible phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind == ContactKind.EMAIL:
        raw = raw.lower()
        validate_email(raw)
        return raw
    if kind == ContactKind.CHAT:
        if not raw or len(raw) > 100:
            raise ValidationError("A chat visitor id is 1 to 100 characters")
        return raw
    raise ValidationError(f"Unknown contact kind {kind!r}")


def contact_point_resolve(*, kind: str, address: str, name: str = "") -> ContactPoint:
    """The contact point for ``address``, creating it and its customer when new.

    A phone already known on SMS joins the same customer on WhatsApp (and back). Safe under
    concurrency: the unique (kind, address) constraint decides the race and the loser's new
    customer is rolled back with its savepoint.
    """
    address = contact_address_normalise(kind=kind, address=address)
    existing = ContactPoint.objects.select_related("customer").filter(kind=kind, address=address).first()
    if existing:
        _fill_name(existing.customer, name)
        return existing

    sibling = (
        ContactPoint.objects.select_related("customer")
        .filter(kind__in=SAME_PERSON_KINDS.get(kind, ()), address=address)
        .first()
    )
    try:
        with transaction.atomic():
            customer = sibling.customer if sibling else Customer.objects.create(name=name[:200])
            point = ContactPoint.objects.create(customer=customer, kind=kind, address=address)
    except IntegrityError:
        point = ContactPoint.objects.select_related("customer").get(kind=kind, address=address)
    _fill_name(point.customer, name)
    return point


def _fill_name(customer: Customer, name: str) -> None:
    if name and not customer.name:
        customer.name = name[:200]
        customer.save(update_fields=["name", "updated_at"])
