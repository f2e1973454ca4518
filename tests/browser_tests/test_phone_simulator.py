"""The demo's phone simulator in a real browser: a WhatsApp customer writes and sees the reply's status."""

import pytest
from playwright.sync_api import expect

from inbox.models import Message
from inbox.services import message_append_outbound
from tests.browser import screenshot
from tests.channels_app.twilio_helpers import standin, twilio_settings  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_demo(standin, live_server, twilio_settings):  # noqa: F811 - pytest fixtures
    twilio_settings.PHONE_SIMULATOR = True
    twilio_settings.PUBLIC_BASE_URL = live_server.url
    standin.webhook_url = live_server.url + "/webhooks/twilio/messages/"
    standin.callback_delay = 0.05
    return live_server.url


def test_a_customer_writes_on_whatsapp_and_sees_the_agents_reply_read(chromium, phone_demo):
    context = chromium.new_context(base_url=phone_demo)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/simulator/phone/?number=%2B15551239999")
        page.get_by_label("Channel").select_option("whatsapp")
        page.get_by_label("Message").fill("Hello from my phone <b>bold?</b>")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".bubble.inbound")).to_contain_text("Hello from my phone <b>bold?</b>")

        inbound = Message.objects.get(direction=Message.Direction.INBOUND)
        assert (inbound.channel, inbound.metadata["from"]) == ("whatsapp", "+15551239999")
        message_append_outbound(conversation=inbound.conversation, channel="whatsapp", text="Thanks, we are on it")

        reply = page.locator(".bubble.outbound")
        expect(reply).to_contain_text("Thanks, we are on it")
        expect(reply.locator(".status")).to_have_text("read")
        screenshot(page, "phone-simulator")
    finally:
        context.close()


def test_the_simulator_is_not_served_outside_the_demo(client, settings):
    settings.DEBUG = False
    settings.PHONE_SIMULATOR = False
    assert client.get("/simulator/phone/").status_code == 404
