"""The header's status follows the presence the server holds, without a reload."""

import pytest
from playwright.sync_api import expect

from inbox.models import AgentProfile
from inbox.services.agents import agent_presence_set
from tests.browser import in_thread, log_in
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_the_status_shown_is_the_status_routing_uses(new_page):
    # Closing her last tab yesterday left Ana offline; opening the inbox brings her online.
    ana = AgentFactory(user__username="ana", user__first_name="Ana", presence=AgentProfile.Presence.OFFLINE).user
    ana.set_password("pw-ana-123")
    ana.save()
    page = new_page()
    log_in(page, "ana", "pw-ana-123")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    expect(page.locator("#presence-select")).to_have_value("online")
    expect(page.locator("#presence-dot .presence-dot")).to_have_class("presence-dot presence-online")
    assert AgentProfile.objects.get(user=ana).presence == "online"

    # Her lead ends her shift from the team page: her own header says so.
    in_thread(agent_presence_set, user=ana, presence=AgentProfile.Presence.OFFLINE)
    expect(page.locator("#presence-select")).to_have_value("offline")
    expect(page.locator("#presence-dot .presence-dot")).to_have_class("presence-dot presence-offline")
