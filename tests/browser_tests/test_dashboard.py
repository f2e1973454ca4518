import pytest

from inbox.metrics.facts import conversation_facts_refresh
from inbox.models import Channel
from inbox.services import message_append_outbound, message_receive
from tests.browser import log_in, screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_its_charts_with_data(new_page):
    admin = AgentFactory(user__username="boss", role="admin")
    admin.user.set_password("pw-boss-123")
    admin.user.save()
    for i, channel in enumerate([Channel.SMS, Channel.EMAIL, Channel.WHATSAPP]):
        address = f"c{i}@example.com" if channel == Channel.EMAIL else f"+1555123000{i}"
        conversation = message_receive(channel=channel, address=address, text="hi").message.conversation
        message_append_outbound(conversation=conversation, channel=channel, text="hello", author=admin.user)
    conversation_facts_refresh()

    page = new_page()
    log_in(page, "boss", "pw-boss-123")
    page.goto("/metrics/")
    page.wait_for_function("document.body.dataset.chartsReady === 'true'")
    assert page.locator("[data-kpi=conversations]").inner_text() == "3"
    # The trend chart really drew: its canvas has non-blank pixels.
    painted = page.evaluate(
        """() => { const c = document.getElementById('trend-chart');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
    )
    assert painted > 1000
    screenshot(page, "dashboard")
