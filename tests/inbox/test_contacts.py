import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from inbox.models import ContactKind, ContactPoint, Customer
from inbox.services import contact_address_normalise, contact_point_resolve


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (ContactKind.WHATSAPP, "whatsapp:+15551234567", "+15551234567"),
        (ContactKind.PHONE, "+1 (555) 123-4567", "+15551234567"),
        (ContactKind.PHONE, "555 123 4567", "+15551234567"),  # default region US
        (ContactKind.PHONE, "+44 20 7946 0958", "+442079460958"),
        (ContactKind.EMAIL, "  Maya.Lopez@Example.COM ", "maya.lopez@example.com"),
    ],
)
def test_addresses_are_normalised(kind, raw, expected):
    assert contact_address_normalise(kind=kind, address=raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [(ContactKind.PHONE, "not a number"), (ContactKind.PHONE, "+1 555"), (ContactKind.EMAIL, "nobody@"), ("fax", "1")],
)
def test_bad_addresses_are_refused_with_a_reason(kind, raw):
    with pytest.raises(ValidationError):
        contact_address_normalise(kind=kind, address=raw)


@pytest.mark.django_db
def test_whatsapp_sms_and_typed_number_are_one_customer():
    whatsapp = contact_point_resolve(kind=ContactKind.WHATSAPP, address="whatsapp:+15551234567", name="Maya")
    sms = contact_point_resolve(kind=ContactKind.PHONE, address="+15551234567")
    typed = contact_point_resolve(kind=ContactKind.PHONE, address="(555) 123-4567")

    assert whatsapp.customer_id == sms.customer_id == typed.customer_id
    assert sms.pk == typed.pk
    assert Customer.objects.count() == 1
    assert whatsapp.customer.name == "Maya"


@pytest.mark.django_db
def test_different_people_get_different_customers():
    a = contact_point_resolve(kind=ContactKind.EMAIL, address="a@example.com")
    b = contact_point_resolve(kind=ContactKind.EMAIL, address="b@example.com")
    assert a.customer_id != b.customer_id


@pytest.mark.django_db
def test_a_known_name_is_not_overwritten():
    contact_point_resolve(kind=ContactKind.EMAIL, address="a@example.com", name="Ana Real")
    point = contact_point_resolve(kind=ContactKind.EMAIL, address="a@example.com", name="Someone Else")
    point.customer.refresh_from_db()
    assert point.customer.name == "Ana Real"


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_contacts_create_one_customer():
    barrier = threading.Barrier(4)
    results, errors = [], []

    def resolve():
        try:
            barrier.wait()
            results.append(contact_point_resolve(kind=ContactKind.EMAIL, address="race@example.com").customer_id)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(set(results)) == 1
    assert ContactPoint.objects.count() == 1
    assert Customer.objects.count() == 1
