import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inbox.models import ContactPoint, Conversation, Customer, Message
from inbox.services import message_receive, note_add
from inbox.services.customers import (
    ContactPointTaken,
    VerifiedIdentityConflict,
    customer_add_contact_point,
    customer_merge,
)
from tests.factories import ContactPointFactory, CustomerFactory, UserFactory
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db


def test_an_agent_adds_a_phone_number_in_its_normal_form(agent):
    customer = CustomerFactory()
    point = customer_add_contact_point(customer=customer, kind="phone", address="(415) 555-1012", actor=agent.user)
    assert (point.kind, point.address, point.verified) == ("phone", "+14155551012", False)


def test_an_address_of_another_customer_is_refused_with_a_merge_offer(agent):
    owner = ContactPointFactory(kind="email", address="maya@example.com").customer
    other = CustomerFactory()
    with pytest.raises(ContactPointTaken) as refused:
        customer_add_contact_point(customer=other, kind="email", address="Maya@Example.com", actor=agent.user)
    assert refused.value.owner == owner
    assert "already belongs to" in refused.value.messages[0] and "Merge" in refused.value.messages[0]
    assert ContactPoint.objects.get(address="maya@example.com").customer == owner


def test_malformed_addresses_and_non_agents_are_refused(agent):
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        customer_add_contact_point(customer=customer, kind="email", address="not-an-email", actor=agent.user)
    with pytest.raises(PermissionDenied):
        customer_add_contact_point(customer=customer, kind="email", address="a@b.co", actor=UserFactory())
    assert not customer.contact_points.exists()


def test_merge_moves_contact_points_conversations_and_notes_and_says_so(agent, django_capture_on_commit_callbacks):
    email = message_receive(channel="email", address="maya@example.com", text="Order late", name="Maya").message
    phone = message_receive(channel="sms", address="+14155551012", text="It's Maya again").message
    note_add(conversation=phone.conversation, author=agent.user, text="Called her back")
    source, target = phone.conversation.customer, email.conversation.customer
    source.tags, source.attributes = ["vip"], {"plan": "gold"}
    source.save()

    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        merged = customer_merge(source=source, target=target, actor=agent.user)

    assert not Customer.objects.filter(pk=source.pk).exists()
    assert set(merged.contact_points.values_list("address", flat=True)) == {"maya@example.com", "+14155551012"}
    assert Conversation.objects.filter(customer=target).count() == 2
    assert Message.objects.filter(conversation__customer=target, direction="note").count() == 1
    assert merged.tags == ["vip"] and merged.attributes["plan"] == "gold"
    events = Message.objects.filter(conversation__customer=target, direction="event", metadata__kind="merge")
    assert events.count() == 2 and "merged into Maya" in events.first().text
    assert any(e["type"] == "customer" and e["op"] == "merged" for _, e in sent)


def test_two_verified_identities_need_an_explicit_confirmation(agent):
    a = ContactPointFactory(kind="email", address="a@example.com", verified=True).customer
    b = ContactPointFactory(kind="email", address="b@example.com", verified=True).customer
    with pytest.raises(VerifiedIdentityConflict):
        customer_merge(source=a, target=b, actor=agent.user)
    assert Customer.objects.filter(pk=a.pk).exists()

    customer_merge(source=a, target=b, actor=agent.user, confirm_verified=True)
    assert b.contact_points.count() == 2


def test_a_customer_cannot_be_merged_into_itself(agent):
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        customer_merge(source=customer, target=customer, actor=agent.user)
