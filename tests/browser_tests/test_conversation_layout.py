"""The conversation pane at laptop and phone sizes: nothing slides under anything else."""

import pytest
from playwright.sync_api import expect

from inbox.models import Channel
from inbox.services import message_append_outbound, message_receive
from tests.browser import log_in, screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser

BOXES = """() => Object.fromEntries(["#conversation-live .conv-header", "#timeline", "#composer", "#customer-panel"]
  .map(s => { const r = document.querySelector(s).getBoundingClientRect(); return [s, [r.top, r.bottom]]; }))"""


@pytest.mark.parametrize("size", [(1024, 700), (1024, 560), (390, 800)])
def test_header_timeline_composer_and_customer_panel_do_not_overlap(new_page, size):
    ana = AgentFactory(user__username="ana", user__first_name="Ana").user
    ana.set_password("pw-ana-123")
    ana.save()
    conversation = message_receive(channel=Channel.SMS, address="+14155551005", name="Lucas Ali",
                                   text="Is the Trail Pro waterproof?").message.conversation  # fmt: skip
    for n in range(6):
        message_append_outbound(conversation=conversation, channel=Channel.SMS, text=f"Answer {n}", author=ana)
        message_receive(channel=Channel.SMS, address="+14155551005", text=f"Follow-up question {n}")
    page = new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    log_in(page, "ana", "pw-ana-123")
    page.locator(".conversation-row", has_text="Lucas Ali").locator("a").click()
    expect(page.locator("#conversation-live h1")).to_have_text("Lucas Ali")

    boxes = page.evaluate(BOXES)
    screenshot(page, f"conversation-{size[0]}x{size[1]}")
    header, timeline, composer, panel = boxes.values()
    assert header[1] <= timeline[0] + 1 and timeline[1] <= composer[0] + 1 and composer[1] <= panel[0] + 1, boxes
    assert timeline[1] - timeline[0] >= 120, "the timeline keeps room for messages"


def test_the_top_bar_fits_a_phone(new_page):
    ana = AgentFactory(user__username="ana", user__first_name="Ana", user__last_name="Souza").user
    ana.set_password("pw-ana-123")
    ana.save()
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, "ana", "pw-ana-123")
    screenshot(page, "inbox-phone")
    # It was ~480 px wide: the page scrolled sideways and "Log out" sat off screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.get_by_role("button", name="Log out").bounding_box()
    assert box and box["x"] + box["width"] <= 390
