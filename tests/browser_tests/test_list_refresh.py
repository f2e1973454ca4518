"""A live refresh keeps the rows an agent brought in with "Load more"."""

import pytest
from playwright.sync_api import expect

from inbox.models import Channel
from inbox.services import message_receive
from tests.browser import in_thread, log_in
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_rows_loaded_with_load_more_survive_a_live_refresh(new_page, settings):
    agent = AgentFactory(user__username="cleo")
    agent.user.set_password("pw-cleo-123")
    agent.user.save()
    for n in range(60):
        message_receive(channel=Channel.SMS, address=f"+1555000{n:04d}", name=f"Customer {n}", text=f"question {n}")

    page = new_page()
    log_in(page, "cleo", "pw-cleo-123")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    rows = page.locator(".conversation-row")
    expect(rows).to_have_count(50)
    page.locator("#load-more a").click()
    expect(rows).to_have_count(60)

    # A customer whose row came in with "Load more" writes again: the list refreshes live in one
    # request, without falling back to the first page and paging again (a jump and a flicker).
    repaged = []
    page.on("request", lambda r: repaged.append(r.url) if "cursor=" in r.url else None)
    in_thread(message_receive, channel=Channel.SMS, address="+15550000055", text="any news?")
    expect(page.locator(".conversation-row", has_text="any news?")).to_be_visible()
    expect(rows).to_have_count(60)
    expect(page.locator(".conversation-row", has_text="question 0")).to_be_visible()
    page.wait_for_timeout(500)  # a re-paging request would follow the refresh at once
    assert repaged == []
