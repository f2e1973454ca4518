"""A dropped socket (Redis or a web process restarting, a network blip): agent pages and the
visitor's widget reconnect by themselves and show what arrived while they were away."""

import pytest

from inbox.models import Channel, Message
from inbox.services import message_receive
from tests.browser import log_in
from tests.browser_tests.test_widget import WIDGET, agent_reply, in_thread, open_store
from tests.factories import AgentFactory

pytestmark = [pytest.mark.resilience, pytest.mark.browser]

# Keep a handle on the page's sockets so the test can cut them like a failing server would.
TRACK_SOCKETS = """
window.__sockets = [];
const Native = window.WebSocket;
window.WebSocket = function (...args) { const s = new Native(...args); window.__sockets.push(s); return s; };
window.WebSocket.prototype = Native.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""
CUT = "window.__sockets.filter(s => s.readyState === 1).forEach(s => s.close())"


def test_the_agent_inbox_reconnects_and_shows_what_arrived_meanwhile(new_page):
    agent = AgentFactory(user__username="dana")
    agent.user.set_password("pw-dana-123")
    agent.user.save()
    page = new_page()
    page.add_init_script(TRACK_SOCKETS)
    log_in(page, "dana", "pw-dana-123")
    page.wait_for_function("document.body.dataset.live === 'connected'")

    page.evaluate(CUT)
    page.wait_for_function("document.body.dataset.live === 'reconnecting'")
    in_thread(message_receive, channel=Channel.SMS, address="+15558880001", text="Sent during the blip")
    page.wait_for_function("document.body.dataset.live === 'connected'", timeout=15_000)
    page.locator(".conversation-row", has_text="Sent during the blip").wait_for()


def test_the_widget_reconnects_and_shows_the_reply_it_missed(new_page):
    AgentFactory()  # someone is online
    page = new_page()
    page.add_init_script(TRACK_SOCKETS)
    open_store(page)
    page.locator(f"{WIDGET} .launcher").click()
    page.locator(f"{WIDGET} textarea").fill("Is anyone there?")
    page.keyboard.press("Enter")
    page.locator(f"{WIDGET} .msg.mine[data-id]").wait_for()
    question = Message.objects.get(channel=Channel.CHAT)

    page.evaluate(CUT)
    in_thread(agent_reply, question.conversation, "Yes, we are here")
    page.locator(f"{WIDGET} .msg.theirs").filter(has_text="Yes, we are here").wait_for(timeout=15_000)
