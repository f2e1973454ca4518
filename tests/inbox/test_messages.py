import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from inbox.models import Attachment, Channel, Conversation, Customer, Message
from inbox.services import (
    IncomingAttachment,
    conversation_set_status,
    message_append_outbound,
    message_receive,
    note_add,
)
from tests.factories import AgentFactory, ContactPointFactory

pytestmark = pytest.mark.django_db


def test_first_message_opens_a_conversation_for_a_new_customer():
    received = message_receive(channel=Channel.SMS, address="+15551230000", text="Hi", external_id="SM1", name="Li")

    assert received.created
    conversation = received.message.conversation
    assert conversation.customer.name == "Li"
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.owner == Conversation.Owner.UNASSIGNED
    assert conversation.channels == [Channel.SMS]
    assert conversation.last_message_preview == "Hi"
    assert conversation.waiting_since == received.message.created_at
    assert conversation.last_inbound_channel == Channel.SMS


def test_a_provider_retry_is_stored_once():
    first = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="Hi", external_id="SM1")
    retry = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="Hi", external_id="SM1")

    assert first.created and not retry.created
    assert retry.message.pk == first.message.pk
    assert Message.objects.count() == 1


def test_the_same_id_on_another_channel_is_another_message():
    message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="a", external_id="X1")
    message_receive(channel=Channel.EMAIL, address="a@example.com", text="b", external_id="X1")
    assert Message.objects.count() == 2


def test_a_customer_on_two_channels_continues_one_conversation():
    customer = ContactPointFactory(kind="email", address="maya@example.com").customer
    ContactPointFactory(customer=customer, kind="whatsapp", address="+15551230000")

    by_mail = message_receive(channel=Channel.EMAIL, address="Maya@example.com", text="Order late")
    by_whatsapp = message_receive(channel=Channel.WHATSAPP, address="whatsapp:+15551230000", text="Any news?")

    conversation = by_whatsapp.message.conversation
    assert by_mail.message.conversation_id == conversation.pk
    assert conversation.channels == [Channel.EMAIL, Channel.WHATSAPP]
    assert conversation.whatsapp_last_inbound_at == by_whatsapp.message.created_at
    assert Customer.objects.count() == 1


def test_after_resolution_a_new_message_opens_a_new_conversation():
    first = message_receive(channel=Channel.SMS, address="+15551230000", text="Hi").message.conversation
    conversation_set_status(conversation=first, status=Conversation.Status.RESOLVED)

    second = message_receive(channel=Channel.SMS, address="+15551230000", text="New question").message.conversation

    assert second.pk != first.pk
    assert second.customer_id == first.customer_id


def test_a_threaded_reply_reopens_its_resolved_conversation():
    first = message_receive(channel=Channel.EMAIL, address="a@example.com", text="Hi").message.conversation
    conversation_set_status(conversation=first, status=Conversation.Status.RESOLVED)

    reply = message_receive(channel=Channel.EMAIL, address="a@example.com", text="Re: Hi", conversation_id=first.pk)

    first.refresh_from_db()
    assert reply.message.conversation_id == first.pk
    assert first.status == Conversation.Status.OPEN
    assert first.resolved_at is None


def test_a_thread_hint_to_someone_elses_conversation_is_ignored():
    theirs = message_receive(channel=Channel.EMAIL, address="a@example.com", text="Mine").message.conversation
    mine = message_receive(channel=Channel.EMAIL, address="b@example.com", text="Hi", conversation_id=theirs.pk)
    assert mine.message.conversation_id != theirs.pk


def test_a_customer_writing_wakes_a_snoozed_conversation():
    conversation = message_receive(channel=Channel.SMS, address="+15551230000", text="Hi").message.conversation
    conversation_set_status(
        conversation=conversation, status=Conversation.Status.SNOOZED, snoozed_until=timezone.now() + timedelta(days=1)
    )
    message_receive(channel=Channel.SMS, address="+15551230000", text="Hello?")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.snoozed_until is None


def test_email_html_is_sanitised_before_it_is_stored():
    received = message_receive(
        channel=Channel.EMAIL,
        address="a@example.com",
        html='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:evil()">link</a></p>',
    )
    html = received.message.html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert "<p>Hi" in html


def test_attachment_bytes_are_kept_and_urls_wait_for_download():
    received = message_receive(
        channel=Channel.WHATSAPP,
        address="+15551230000",
        attachments=[
            IncomingAttachment(filename="receipt.txt", content_type="text/plain", content=b"paid"),
            IncomingAttachment(filename="photo.jpg", content_type="image/jpeg", source_url="https://media/1"),
        ],
    )
    stored, pending = received.message.attachments.order_by("pk")
    assert stored.state == Attachment.State.STORED and stored.size == 4
    assert stored.file.read() == b"paid"
    assert pending.state == Attachment.State.PENDING and pending.source_url == "https://media/1"


def test_an_unknown_channel_or_bad_address_stores_nothing():
    with pytest.raises(ValidationError):
        message_receive(channel="fax", address="+15551230000", text="Hi")
    with pytest.raises(ValidationError):
        message_receive(channel=Channel.SMS, address="not-a-phone", text="Hi")
    assert Message.objects.count() == 0
    assert Customer.objects.count() == 0


def test_a_reply_answers_the_customer_and_records_first_response():
    agent = AgentFactory()
    inbound = message_receive(channel=Channel.SMS, address="+15551230000", text="Hi").message
    reply = message_append_outbound(
        conversation=inbound.conversation, channel=Channel.SMS, text="Hello!", author=agent.user
    )
    conversation = Conversation.objects.get(pk=inbound.conversation_id)
    assert reply.delivery_status == Message.Delivery.PENDING
    assert conversation.waiting_since is None
    assert conversation.first_response_at == reply.created_at
    assert conversation.last_message_preview == "Hello!"


def test_automatic_messages_do_not_replace_the_list_preview(django_capture_on_commit_callbacks):
    agent = AgentFactory()
    inbound = message_receive(channel=Channel.SMS, address="+15551230000", text="Where is my parcel?").message
    message_append_outbound(conversation=inbound.conversation, channel=Channel.SMS,
                            text="Thanks for your message. Our Support team is closed right now.",
                            author_kind=Message.Author.SYSTEM)  # fmt: skip
    assert Conversation.objects.get(pk=inbound.conversation_id).last_message_preview == "Where is my parcel?"

    message_append_outbound(
        conversation=inbound.conversation, channel=Channel.SMS, text="On its way!", author=agent.user
    )
    with django_capture_on_commit_callbacks(execute=True):  # resolving asks for a rating (CSAT)
        conversation_set_status(conversation=inbound.conversation, status=Conversation.Status.RESOLVED)
    conversation = Conversation.objects.get(pk=inbound.conversation_id)
    assert conversation.messages.filter(text__startswith="How did we do?").exists()
    assert conversation.last_message_preview == "On its way!", "the resolved list shows the answer, not the survey"


def test_a_reply_on_a_channel_the_customer_lacks_is_refused():
    inbound = message_receive(channel=Channel.SMS, address="+15551230000", text="Hi").message
    with pytest.raises(ValidationError, match="cannot be reached on Email"):
        message_append_outbound(conversation=inbound.conversation, channel=Channel.EMAIL, text="Hello")
    assert inbound.conversation.messages.count() == 1


def test_a_note_does_not_count_as_a_response():
    agent = AgentFactory()
    conversation = message_receive(channel=Channel.SMS, address="+15551230000", text="Hi").message.conversation
    note = note_add(conversation=conversation, author=agent.user, text="VIP, be quick")
    conversation.refresh_from_db()
    assert note.direction == Message.Direction.NOTE
    assert conversation.first_response_at is None
    assert conversation.waiting_since is not None


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_store_one_message():
    barrier = threading.Barrier(4)
    created, errors = [], []

    def deliver():
        try:
            barrier.wait()
            created.append(
                message_receive(
                    channel=Channel.WHATSAPP, address="+15551230000", text="Hi", external_id="SMdup"
                ).created
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(created) == [False, False, False, True]
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1
