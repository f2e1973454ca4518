import smtplib
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.test import override_settings

from channels_app.email.addresses import conversation_from_address, reply_address_for
from channels_app.email.inbound import email_receive
from channels_app.email.smtp import sink_controller
from channels_app.senders import SENDERS, SendError
from inbox.models import Channel, Message
from inbox.services import message_append_outbound
from tests.channels_app.email.helpers import fixture
from tests.factories import ContactPointFactory, ConversationFactory
from tests.net import free_port

pytestmark = pytest.mark.django_db


def send(message: Message) -> str:
    """What the delivery task does with a pending message: call the channel's sender, store its id."""
    external_id = SENDERS[message.channel](message)
    Message.objects.filter(pk=message.pk).update(external_id=external_id, delivery_status=Message.Delivery.SENT)
    message.refresh_from_db()
    return external_id


def test_the_email_sender_is_registered():
    assert SENDERS[Channel.EMAIL].__name__ == "email_send"


def test_a_reply_threads_on_the_customers_email_with_signed_reply_to_and_both_bodies():
    ContactPointFactory(address="maya.lopez@gmail.example")
    inbound = email_receive(raw=fixture("apple_mail_reply.eml").replace(b"sofia@icloud", b"maya.lopez@gmail")).message
    conversation = inbound.conversation
    reply = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="It ships <today> & fast.")

    message_id = send(reply)

    [email] = mail.outbox
    assert email.to == ["maya.lopez@gmail.example"]
    assert email.subject == "Re: Is the Trail Pro jacket waterproof?"
    assert email.extra_headers["Message-ID"] == f"<{message_id}>"
    assert reply.external_id == message_id
    assert email.extra_headers["In-Reply-To"] == f"<{inbound.external_id}>"
    assert email.extra_headers["References"] == (
        "<first.question.1@icloud.example> <inbox.202.1795100000@localhost> "
        "<6A1F2E3D-4C5B-4A69-8877-ABCDEF012345@icloud.example>"
    )
    assert conversation_from_address(email.reply_to[0]) == conversation.pk
    assert "It ships <today> & fast." in email.body
    html = email.alternatives[0]
    assert html.mimetype == "text/html"
    assert "It ships &lt;today&gt; &amp; fast." in html.content


def test_the_next_reply_extends_the_references_chain_with_our_previous_email():
    point = ContactPointFactory(address="jonas@example.com")
    conversation = ConversationFactory(customer=point.customer, subject="Return")
    first = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="First")
    first_id = send(first)
    second = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="Second")
    send(second)

    first_email, second_email = mail.outbox
    assert first_email.subject == "Return"  # nothing to reply to yet
    assert "In-Reply-To" not in first_email.extra_headers
    assert second_email.subject == "Re: Return"
    assert second_email.extra_headers["In-Reply-To"] == f"<{first_id}>"
    assert second_email.extra_headers["References"] == f"<{first_id}>"


def test_the_customers_reply_to_our_email_threads_back_into_the_conversation():
    point = ContactPointFactory(address="maya.lopez@gmail.example")
    conversation = ConversationFactory(customer=point.customer, subject="Order")
    ours = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="Shipped")
    message_id = send(ours)
    other = ConversationFactory(customer=point.customer)  # newer: only the headers point to the right one

    raw = fixture("gmail_reply.eml").replace(b"inbox.101.1795000000@localhost", message_id.encode())
    reply = email_receive(raw=raw).message

    assert reply.conversation_id == conversation.pk != other.pk


def test_a_customer_without_an_email_address_fails_with_a_reason():
    conversation = ConversationFactory()
    message = Message.objects.create(
        conversation=conversation, channel=Channel.EMAIL, direction="outbound", author_kind="agent", text="hi"
    )
    with pytest.raises(SendError) as error:
        SENDERS[Channel.EMAIL](message)
    assert error.value.code == "no_email_address" and not error.value.transient


def test_an_unreachable_smtp_server_is_a_transient_failure():
    point = ContactPointFactory()
    conversation = ConversationFactory(customer=point.customer)
    message = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="hi")
    smtp = override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_PORT=free_port())
    with smtp, pytest.raises(SendError) as error:
        SENDERS[Channel.EMAIL](message)
    assert error.value.transient


def test_a_reply_goes_through_a_real_smtp_socket_to_the_sink(tmp_path):
    port = free_port()
    controller = sink_controller(host="127.0.0.1", port=port, directory=tmp_path)
    controller.start()
    try:
        point = ContactPointFactory(address="amara@example.com")
        conversation = ConversationFactory(customer=point.customer, subject="Zipper")
        message = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="Warranty: yes")
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port
        ):
            message_id = send(message)
    finally:
        controller.stop()

    [kept] = tmp_path.glob("*.eml")
    received = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert received["X-Sink-Recipients"] == "amara@example.com"
    assert received["Message-ID"] == f"<{message_id}>"
    assert received["Reply-To"] == reply_address_for(conversation.pk)
    assert received.get_body(("plain",)).get_content().startswith("Warranty: yes")
    assert "Warranty: yes" in received.get_body(("html",)).get_content()


def test_the_sink_refuses_nothing_and_keeps_each_recipient(tmp_path):
    port = free_port()
    controller = sink_controller(host="127.0.0.1", port=port, directory=tmp_path)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.sendmail("a@x.example", ["b@y.example", "c@z.example"], b"Subject: s\r\n\r\nbody\r\n")
    finally:
        controller.stop()
    [kept] = tmp_path.glob("*.eml")
    assert kept.read_bytes().startswith(b"X-Sink-Recipients: b@y.example, c@z.example\r\n")


def test_files_an_agent_attached_go_with_the_email():
    from django.core.files.base import ContentFile

    from inbox.models import Attachment

    point = ContactPointFactory()
    conversation = ConversationFactory(customer=point.customer)
    message = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="Label attached")
    attachment = Attachment(message=message, filename="label.pdf", content_type="application/pdf", size=8)
    attachment.file.save("label.pdf", ContentFile(b"%PDF-1.4"), save=True)

    send(message)

    assert mail.outbox[0].attachments == [("label.pdf", b"%PDF-1.4", "application/pdf")]
