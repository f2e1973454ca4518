import smtplib

import pytest

from channels_app.email.addresses import reply_address_for
from channels_app.email.smtp import inbound_controller
from inbox.models import Message
from tests.channels_app.email.helpers import fixture
from tests.factories import ContactPointFactory, ConversationFactory
from tests.net import free_port


@pytest.fixture
def receiver():
    port = free_port()
    controller = inbound_controller(host="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def _send(port: int, raw: bytes, to: str = "support@localhost", sender: str = "x@example.com"):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        # On the wire every line ends in CRLF (the sample files use LF).
        return client.sendmail(sender, [to], raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


@pytest.mark.django_db(transaction=True)
def test_mail_delivered_over_smtp_is_stored_and_threaded(receiver):
    point = ContactPointFactory(address="jonas.larsen@outlook.example")
    conversation = ConversationFactory(customer=point.customer)
    tag = reply_address_for(conversation.pk).split("+c")[1].split("@")[0]
    number, signature = tag.split(".")
    raw = fixture("outlook_reply.eml", CONVERSATION=number, TAG=signature)

    _send(receiver, raw, to=reply_address_for(conversation.pk))

    message = Message.objects.get()
    assert message.conversation_id == conversation.pk
    assert message.text.startswith("Hi, yes please send the return label")
    _send(receiver, raw, to=reply_address_for(conversation.pk))  # the relay retries: stored once
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_mail_for_other_domains_is_refused_at_rcpt(receiver):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        _send(receiver, fixture("html_only.eml"), to="someone@elsewhere.example")
    assert error.value.recipients["someone@elsewhere.example"][0] == 550
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_garbage_is_refused_with_a_reason_and_the_receiver_keeps_working(receiver):
    with pytest.raises(smtplib.SMTPDataError) as error:
        _send(receiver, fixture("garbage.eml"))
    assert error.value.smtp_code == 550
    assert b"no sender" in error.value.smtp_error
    assert Message.objects.count() == 0

    _send(receiver, fixture("latin1.eml"))
    assert Message.objects.get().text.startswith("Guten Tag")


@pytest.mark.django_db(transaction=True)
def test_oversized_mail_is_refused_with_552_and_nothing_is_stored(settings):
    settings.EMAIL_INBOUND_MAX_BYTES = 2000
    port = free_port()
    controller = inbound_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        big = fixture("html_only.eml") + b"\n" + b"x" * 70 + (b"\n" + b"y" * 70) * 60
        with pytest.raises(smtplib.SMTPException) as error:
            _send(port, big)
    finally:
        controller.stop()
    assert "552" in str(error.value)
    assert Message.objects.count() == 0
