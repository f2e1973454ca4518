"""Snoozing from the conversation header in real Chromium: the popover fits, a preset snoozes."""

import pytest
from playwright.sync_api import expect

from inbox.models import Channel, Conversation
from inbox.services import message_receive
from tests.browser import log_in, screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_the_snooze_popover_fits_and_a_preset_snoozes(new_page):
    ana = AgentFactory(user__username="ana", user__first_name="Ana").user
    ana.set_password("pw-ana-123")
    ana.save()
    conversation = message_receive(channel=Channel.SMS, address="+14155551005", name="Lucas Ali",
                                   text="Is the Trail Pro waterproof?").message.conversation  # fmt: skip
    page = new_page()
    log_in(page, "ana", "pw-ana-123")
    page.locator(".conversation-row", has_text="Lucas Ali").locator("a").click()
    expect(page.locator("#conversation-live h1")).to_have_text("Lucas Ali")

    page.locator("details.snooze summary").click()
    popover = page.locator("details.snooze .popover")
    expect(popover).to_be_visible()
    overflow = popover.evaluate(
        "f => Math.max(...Array.from(f.children).filter(e => e.type !== 'hidden')"
        ".map(e => e.getBoundingClientRect().right)) - f.getBoundingClientRect().right"
    )
    screenshot(page, "snooze-popover")
    assert overflow <= 0, f"the snooze choices stick out of their popover by {overflow}px"

    popover.get_by_role("button", name="1 hour").click()
    expect(page.locator("#conversation-live .status-pill")).to_contain_text("Snoozed until")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.SNOOZED
