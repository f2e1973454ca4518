import pytest

from inbox.events import conversation_group
from inbox.models import Message
from inbox.services.delivery import message_delivery_accepted, message_delivery_fail, message_delivery_update
from tests.factories import MessageFactory
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db


def _outbound():
    return MessageFactory(channel="whatsapp", direction="outbound", author_kind="agent", external_id="SM1",
                          delivery_status="sent")  # fmt: skip


def test_status_only_moves_forward_whatever_order_callbacks_arrive_in(django_capture_on_commit_callbacks):
    message = _outbound()
    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        message_delivery_update(channel="whatsapp", external_id="SM1", status="read")
        message_delivery_update(channel="whatsapp", external_id="SM1", status="delivered")
        message_delivery_update(channel="whatsapp", external_id="SM1", status="failed", error_code="63016")
    message.refresh_from_db()
    assert message.delivery_status == "read" and message.read_at is not None and message.error_code == ""
    assert sent == [((conversation_group(message.conversation_id),),
                     {"type": "message", "op": "status", "conversation_id": message.conversation_id,
                      "message_id": message.pk, "status": "read"})]  # fmt: skip


def test_a_failure_keeps_its_reason():
    message = _outbound()
    message_delivery_update(channel="whatsapp", external_id="SM1", status="failed", error_code="63016",
                            error_message="Outside the 24 hour window")  # fmt: skip
    message.refresh_from_db()
    assert (message.delivery_status, message.error_code, message.error_message) == (
        "failed", "63016", "Outside the 24 hour window")  # fmt: skip


def test_unknown_ids_and_statuses_change_nothing():
    message = _outbound()
    assert message_delivery_update(channel="whatsapp", external_id="nope", status="delivered") is None
    assert message_delivery_update(channel="sms", external_id="SM1", status="delivered") is None
    message_delivery_update(channel="whatsapp", external_id="SM1", status="bogus")
    assert Message.objects.get(pk=message.pk).delivery_status == "sent"


def test_a_send_confirmed_after_we_gave_up_on_it_counts_as_sent():
    """The recovery failed a slow send it could not confirm; then the provider's answer arrives."""
    message = MessageFactory(channel="whatsapp", direction="outbound", author_kind="agent", delivery_status="sending")
    message_delivery_fail(message_id=message.pk, reason="Delivery could not be confirmed")
    message_delivery_accepted(message_id=message.pk, external_id="SM9", status="queued")
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id, message.error_message) == ("queued", "SM9", "")

    # The provider's own verdict (a code) stays: a late "accepted" does not undo it.
    refused = MessageFactory(channel="sms", direction="outbound", author_kind="agent", delivery_status="sending")
    message_delivery_fail(message_id=refused.pk, reason="Invalid number", code="21211")
    message_delivery_accepted(message_id=refused.pk, external_id="SM10", status="queued")
    refused.refresh_from_db()
    assert refused.delivery_status == "failed"
