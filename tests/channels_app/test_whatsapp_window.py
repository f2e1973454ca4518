"""WhatsApp's 24-hour window: free-form replies inside it, approved templates outside it."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from channels_app.twilio.templates import whatsapp_template_send
from inbox.models import Channel, Message
from inbox.services import message_append_outbound, whatsapp_window
from tests.factories import WhatsAppTemplateFactory, phone_conversation

pytestmark = pytest.mark.django_db


def test_the_window_is_open_for_24_hours_after_the_customers_last_whatsapp_message():
    wrote = timezone.now() - timedelta(hours=23, minutes=59)
    assert whatsapp_window(phone_conversation(inbound_at=wrote)) == (True, wrote + timedelta(hours=24))
    old = timezone.now() - timedelta(hours=24, seconds=1)
    assert whatsapp_window(phone_conversation(number="+15550000009", inbound_at=old)) == (
        False,
        old + timedelta(hours=24),
    )
    assert whatsapp_window(phone_conversation(number="+15550000008")) == (False, None)


def test_a_free_form_reply_inside_the_window_is_accepted():
    conversation = phone_conversation(inbound_at=timezone.now() - timedelta(hours=2))
    message = message_append_outbound(conversation=conversation, channel=Channel.WHATSAPP, text="Sure!")
    assert message.delivery_status == Message.Delivery.PENDING


def test_a_free_form_reply_outside_the_window_is_refused_before_anything_is_stored():
    conversation = phone_conversation(inbound_at=timezone.now() - timedelta(hours=30))
    with pytest.raises(ValidationError, match=r"24-hour window closed .* approved template"):
        message_append_outbound(conversation=conversation, channel=Channel.WHATSAPP, text="Hello again")
    assert not Message.objects.filter(conversation=conversation).exists()


def test_a_customer_who_never_wrote_on_whatsapp_can_only_get_a_template():
    conversation = phone_conversation()
    with pytest.raises(ValidationError, match="only an approved template"):
        message_append_outbound(conversation=conversation, channel=Channel.WHATSAPP, text="Hi")


def test_sms_has_no_window():
    conversation = phone_conversation(channel=Channel.SMS)
    assert message_append_outbound(conversation=conversation, channel=Channel.SMS, text="Hi").pk


def test_a_template_goes_out_after_the_window_closed_as_content_sid_and_variables(
    standin, django_capture_on_commit_callbacks
):
    conversation = phone_conversation(inbound_at=timezone.now() - timedelta(days=3))
    template = WhatsAppTemplateFactory(content_sid="HX" + "a" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        message = whatsapp_template_send(
            conversation=conversation, template=template, variables={"1": "Sam", "2": "#42"}
        )
    message.refresh_from_db()
    assert message.text == "Hi Sam, your order #42 has an update. Reply to continue."
    assert message.delivery_status == Message.Delivery.QUEUED
    [sent] = standin.sent_to("+15551234567")
    assert sent["content_sid"] == "HX" + "a" * 32
    assert json.loads(sent["content_variables"]) == {"1": "Sam", "2": "#42"}
    assert sent["body"] == ""


def test_a_template_needs_every_variable_and_must_be_active():
    conversation = phone_conversation(inbound_at=timezone.now() - timedelta(days=3))
    template = WhatsAppTemplateFactory()
    with pytest.raises(ValidationError, match=r"\{\{2\}\}"):
        whatsapp_template_send(conversation=conversation, template=template, variables={"1": "Sam"})
    template.active = False
    with pytest.raises(ValidationError, match="not active"):
        whatsapp_template_send(conversation=conversation, template=template, variables={"1": "Sam", "2": "#1"})
    assert not Message.objects.filter(conversation=conversation).exists()


def test_templates_are_managed_in_the_admin(admin_client):
    template = WhatsAppTemplateFactory(name="shipping_update")
    assert "shipping_update" in admin_client.get("/admin/channels_app/whatsapptemplate/").content.decode()
    assert admin_client.get(f"/admin/channels_app/whatsapptemplate/{template.pk}/change/").status_code == 200


def test_the_agents_panel_shows_the_closed_window_and_sends_a_template(agent_client, standin):
    conversation = phone_conversation(inbound_at=timezone.now() - timedelta(hours=30))
    template = WhatsAppTemplateFactory(name="order_update")
    url = f"/conversations/{conversation.pk}/whatsapp/"
    page = agent_client.get(url).content.decode()
    assert "WhatsApp window closed" in page and "order_update" in page

    refused = agent_client.post(url, {"template": template.pk, "var_1": "Sam"})
    assert refused.status_code == 422 and "{{2}}" in refused.content.decode()
    assert not Message.objects.filter(conversation=conversation).exists()

    sent = agent_client.post(url, {"template": template.pk, "var_1": "Sam", "var_2": "#42"})
    assert sent.status_code == 200 and "queued" in sent.content.decode()
    message = Message.objects.get(conversation=conversation)
    assert message.metadata["whatsapp_template"]["variables"] == {"1": "Sam", "2": "#42"}


def test_the_panel_is_for_agents_only(client):
    conversation = phone_conversation(inbound_at=timezone.now())
    assert client.get(f"/conversations/{conversation.pk}/whatsapp/").status_code == 302
