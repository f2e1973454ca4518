"""Outbound WhatsApp/SMS through the real twilio SDK against the stand-in: sent once, failures visible."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from channels_app import delivery
from channels_app.delivery import delivery_recover, message_deliver
from channels_app.senders import SENDERS
from inbox.models import Channel, Message
from inbox.services import message_append_outbound
from tests.factories import ConversationFactory, phone_conversation

pytestmark = pytest.mark.django_db
D = Message.Delivery


def reply(conversation, text="Your order ships today", channel=Channel.WHATSAPP):
    return message_append_outbound(conversation=conversation, channel=channel, text=text)


def test_a_reply_is_sent_once_after_commit_with_its_sid_and_status_callback_stored(
    standin, django_capture_on_commit_callbacks
):
    conversation = phone_conversation(inbound_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(conversation)
    message.refresh_from_db()
    [sent] = standin.sent_to("+15551234567")
    assert message.delivery_status == D.QUEUED
    assert message.external_id == sent["sid"] and sent["sid"].startswith("SM")
    assert sent["to"] == "whatsapp:+15551234567" and sent["from"] == "whatsapp:+14155238886"
    assert sent["body"] == "Your order ships today"
    stored = standin.messages[sent["sid"]]
    assert stored.status_callback == f"https://inbox.example.com/webhooks/twilio/status/?message={message.pk}"


def test_sms_goes_to_the_number_without_the_whatsapp_prefix(standin, django_capture_on_commit_callbacks):
    conversation = phone_conversation(number="+15557654321", channel=Channel.SMS)
    with django_capture_on_commit_callbacks(execute=True):
        reply(conversation, "Text reply", channel=Channel.SMS)
    [sent] = standin.sent_to("+15557654321")
    assert (sent["to"], sent["from"], sent["channel"]) == ("+15557654321", "+15005550006", "sms")


def test_running_the_task_twice_sends_once(standin):
    conversation = phone_conversation(inbound_at=timezone.now())
    message = reply(conversation)  # on_commit does not run here: the task is called by hand
    message_deliver(message.pk)
    message_deliver(message.pk)
    assert len(standin.sent_to("+15551234567")) == 1


class WorkerDied(BaseException):
    """What a killed worker looks like to the code after the provider call."""


def test_a_worker_dying_after_twilio_accepted_is_never_resent_and_recovery_fails_it_visibly(standin):
    conversation = phone_conversation(inbound_at=timezone.now())
    message = reply(conversation)
    with (
        mock.patch.object(delivery, "message_delivery_accepted", side_effect=WorkerDied),
        pytest.raises(WorkerDied),
    ):
        message_deliver(message.pk)
    message.refresh_from_db()
    assert message.delivery_status == D.SENDING and message.external_id == ""

    message_deliver(message.pk)  # the broker redelivers the task (acks_late)
    assert delivery_recover() == {"requeued": 0, "failed": 0, "fetched": 0}  # not stuck long enough yet
    counts = delivery_recover(now=timezone.now() + timedelta(minutes=10))

    message.refresh_from_db()
    assert counts["failed"] == 1
    assert message.delivery_status == D.FAILED
    assert "not resent automatically" in message.error_message
    assert len(standin.sent_to("+15551234567")) == 1


def test_a_status_callback_finds_a_message_whose_worker_died_before_storing_the_sid(standin):
    from inbox.services import message_delivery_update

    message = reply(phone_conversation(inbound_at=timezone.now()))
    with mock.patch.object(delivery, "message_delivery_accepted", side_effect=WorkerDied), pytest.raises(WorkerDied):
        message_deliver(message.pk)
    [sent] = standin.sent_to("+15551234567")
    # Twilio's callback URL carries ?message=<id>; the webhook passes it on as the hint.
    message_delivery_update(channel="whatsapp", external_id=sent["sid"], status=D.SENT, message_id=message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == (D.SENT, sent["sid"])
    assert delivery_recover(now=timezone.now() + timedelta(minutes=10))["failed"] == 0


def test_recovery_fetches_the_status_of_a_message_whose_callbacks_never_came(standin):
    message = reply(phone_conversation(inbound_at=timezone.now()))
    message_deliver(message.pk)
    message.refresh_from_db()
    standin.messages[message.external_id].status = "delivered"  # Twilio knows; its callback was lost

    counts = delivery_recover(now=timezone.now() + timedelta(minutes=10))
    message.refresh_from_db()
    assert counts["fetched"] == 1
    assert message.delivery_status == D.DELIVERED and message.delivered_at is not None


def test_recovery_requeues_a_pending_message_whose_task_was_lost(standin):
    message = reply(phone_conversation(inbound_at=timezone.now()))
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    assert delivery_recover()["requeued"] == 1  # eager in tests: sent right away
    message.refresh_from_db()
    assert message.delivery_status == D.QUEUED
    assert len(standin.sent_to("+15551234567")) == 1


def test_transient_twilio_errors_are_retried_and_the_message_still_goes_out_once(standin, settings):
    settings.DELIVERY_MAX_RETRIES = 3
    standin.failures.append({"status": 503, "code": 20503, "count": 1, "message": "Service unavailable"})
    standin.failures.append({"status": 429, "code": 20429, "count": 1, "message": "Too many requests"})
    message = reply(phone_conversation(inbound_at=timezone.now()))
    message_deliver.apply(args=[message.pk])
    message.refresh_from_db()
    assert message.delivery_status == D.QUEUED and message.external_id
    assert len(standin.sent_to("+15551234567")) == 1


def test_transient_errors_that_never_end_fail_the_message_after_the_retries(standin, settings):
    settings.DELIVERY_MAX_RETRIES = 2
    standin.failures.append({"status": 500, "code": 20500, "count": 10, "message": "Internal Server Error"})
    message = reply(phone_conversation(inbound_at=timezone.now()))
    message_deliver.delay(message.pk)  # inline in tests: the retries run now and nothing is raised to us
    message.refresh_from_db()
    assert message.delivery_status == D.FAILED
    assert message.error_message.startswith("Gave up after 3 tries")
    assert "Internal Server Error" in message.error_message
    assert standin.sent_to("+15551234567") == []


def test_twilio_unreachable_is_transient(twilio_settings, settings):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.DELIVERY_MAX_RETRIES = 0
    message = reply(phone_conversation(inbound_at=timezone.now()))
    message_deliver(message.pk)
    message.refresh_from_db()
    assert message.delivery_status == D.FAILED
    assert "Twilio could not be reached" in message.error_message


def test_a_permanent_twilio_error_fails_the_message_with_twilios_code_and_text(standin):
    conversation = phone_conversation(number="+15005550001", channel=Channel.SMS)
    message = reply(conversation, channel=Channel.SMS)
    message_deliver(message.pk)
    message.refresh_from_db()
    assert message.delivery_status == D.FAILED
    assert message.error_code == "21211"
    assert "not a valid phone number" in message.error_message


def test_a_channel_without_a_sender_fails_with_a_clear_reason(standin):
    conversation = ConversationFactory()
    conversation.customer.contact_points.create(kind="email", address="sam@example.com")
    message = message_append_outbound(conversation=conversation, channel=Channel.EMAIL, text="Hello")
    with mock.patch.dict(SENDERS, clear=True):
        message_deliver(message.pk)
    message.refresh_from_db()
    assert message.delivery_status == D.FAILED
    assert message.error_message == "No sender is set up for Email: nothing was sent"


def test_the_reply_goes_to_the_number_the_customer_last_wrote_from(standin, client):
    from tests.channels_app.twilio_helpers import inbound_params, twilio_post

    conversation = phone_conversation(number="+15550000001", inbound_at=timezone.now())
    conversation.customer.contact_points.create(kind="whatsapp", address="+15550000002")
    twilio_post(client, "/webhooks/twilio/messages/", inbound_params(sender="whatsapp:+15550000002"))
    message = reply(conversation)
    message_deliver(message.pk)
    assert standin.sent_to("+15550000002") and not standin.sent_to("+15550000001")


def test_a_reply_rolled_back_with_its_transaction_is_never_sent(standin, django_capture_on_commit_callbacks):
    from django.db import transaction

    conversation = phone_conversation(inbound_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        reply(conversation)
        raise RuntimeError("the agent's request failed later on")
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert standin.sent_to("+15551234567") == []


def test_a_late_callback_overrides_our_own_could_not_confirm_failure(standin):
    from inbox.services import message_delivery_update

    message = reply(phone_conversation(inbound_at=timezone.now()))
    with mock.patch.object(delivery, "message_delivery_accepted", side_effect=WorkerDied), pytest.raises(WorkerDied):
        message_deliver(message.pk)
    delivery_recover(now=timezone.now() + timedelta(minutes=10))
    [sent] = standin.sent_to("+15551234567")
    message_delivery_update(channel="whatsapp", external_id=sent["sid"], status=D.DELIVERED, message_id=message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id, message.error_message) == (D.DELIVERED, sent["sid"], "")


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_message_send_it_once(standin):
    import threading

    from django.db import connection

    message = reply(phone_conversation(inbound_at=timezone.now()))
    barrier = threading.Barrier(4)

    def work():
        try:
            barrier.wait()
            message_deliver(message.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(standin.sent_to("+15551234567")) == 1
    message.refresh_from_db()
    assert message.delivery_status == D.QUEUED


def test_wrong_credentials_fail_visibly_with_twilios_authentication_error(standin, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    message = reply(phone_conversation(inbound_at=timezone.now()))
    message_deliver(message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.error_code) == (D.FAILED, "20003")
    assert message.error_message.endswith("Authenticate")
    assert standin.sent_to("+15551234567") == []
