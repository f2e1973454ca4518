import pytest

from inbox.models import Channel
from inbox.services import message_receive
from tests.browser import in_thread, log_in, screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_an_agent_logs_in_and_sees_the_inbox_update_live(new_page):
    agent = AgentFactory(user__username="ana")
    agent.user.set_password("pw-ana-123")
    agent.user.save()
    message_receive(channel=Channel.EMAIL, address="maya@example.com", text="Where is my order?", name="Maya")

    page = new_page()
    log_in(page, "ana", "pw-ana-123")
    assert page.get_by_text("Where is my order?").is_visible()
    page.wait_for_function("document.body.dataset.live === 'connected'")

    in_thread(message_receive, channel=Channel.WHATSAPP, address="+15551230000", text="Hello from WA", name="Liam")
    page.get_by_text("Hello from WA").wait_for()
    screenshot(page, "inbox-list")
