"""A real shift in real Chromium: two agents, live updates, replies and ticks, collision, AI takeover, search."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inbox.models import Channel, Conversation, Message
from inbox.services import conversation_assign, message_receive
from tests.browser import in_thread, log_in, screenshot
from tests.factories import AgentFactory, CannedReplyFactory

pytestmark = pytest.mark.browser


def _agent(username: str, first_name: str):
    agent = AgentFactory(user__username=username, user__first_name=first_name)
    agent.user.set_password(f"pw-{username}-123")
    agent.user.save()
    return agent.user


def _live(page) -> None:
    page.wait_for_function("document.body.dataset.live === 'connected'")


def test_a_shift_in_the_inbox(new_page, live_twilio):
    ana, ben = _agent("ana", "Ana"), _agent("ben", "Ben")
    CannedReplyFactory(title="Sorry for the wait", body="Hi {{customer.name}}, sorry for the wait! {{agent.name}}")
    old = message_receive(channel=Channel.EMAIL, address="maya@example.com", name="Maya Lopez",
                          text="Could you send the invoice for the green tent?").message  # fmt: skip
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=90))
    Conversation.objects.filter(pk=old.conversation_id).update(status="resolved")
    ai_owned = message_receive(channel=Channel.CHAT, address="visitor-7", name="Noah Kim",
                               text="Do you ship to Canada?").message.conversation  # fmt: skip
    conversation_assign(conversation=ai_owned, owner=Conversation.Owner.AI, reason="by rule 'FAQ'")

    # Ana starts her shift; a WhatsApp message arrives while she watches.
    page = new_page()
    log_in(page, "ana", "pw-ana-123")
    _live(page)
    in_thread(message_receive, channel=Channel.WHATSAPP, address="+14155551012", name="Liam Tanaka",
              text="My parcel never arrived", external_id="SMin1")  # fmt: skip
    row = page.locator(".conversation-row", has_text="My parcel never arrived")
    row.wait_for()
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    screenshot(page, "inbox-list")

    # She opens it and replies with Ctrl+Enter, starting from a canned reply.
    row.locator("a").click()
    expect(page.locator("#conversation-live h1")).to_have_text("Liam Tanaka")
    expect(page.locator("#compose-channel")).to_have_value("whatsapp")
    expect(page.locator("#wa-window")).to_contain_text("WhatsApp window open")
    page.locator("#canned").select_option(label="Sorry for the wait")
    expect(page.locator("#compose-text")).to_have_value("Hi Liam Tanaka, sorry for the wait! Ana")
    page.locator("#compose-text").press("Control+Enter")
    # It goes out through Twilio (the stand-in), whose signed status callbacks move the tick.
    reply = page.locator(".msg-outbound", has_text="sorry for the wait")
    expect(reply.locator(".tick")).to_have_attribute("data-delivery", "read")
    [sent] = [m for m in live_twilio.messages.values() if m.to == "whatsapp:+14155551012"]
    assert sent.body == "Hi Liam Tanaka, sorry for the wait! Ana"
    expect(page.locator("#compose-text")).to_have_value("")
    screenshot(page, "conversation")

    # Ben opens the same conversation in his own browser and sees Ana drafting.
    ben_page = new_page()
    log_in(ben_page, "ben", "pw-ben-123")
    ben_page.locator(".conversation-row", has_text="Liam Tanaka").locator("a").click()
    expect(ben_page.locator("#conversation-live h1")).to_have_text("Liam Tanaka")
    _live(ben_page)
    ben_page.wait_for_timeout(300)  # his socket joins the conversation's group
    page.locator("#compose-text").fill("Let me check with the courier")
    page.locator("#compose-text").press("Space")
    expect(ben_page.locator("#collision")).to_have_text("Ana is replying…")
    screenshot(ben_page, "collision-warning")

    # Ben takes the AI's conversation over; Ana's list shows it as his without a reload.
    ben_page.locator(".conversation-row", has_text="Noah Kim").locator("a").click()
    expect(ben_page.locator("#conversation-live .owner-line")).to_contain_text("AI agent")
    ben_page.get_by_role("button", name="Take over from AI").click()
    expect(ben_page.locator("#conversation-live .owner-line")).to_contain_text("Ben")
    expect(ben_page.locator(".msg-event", has_text="taken over by Ben")).to_be_visible()
    expect(page.locator(".conversation-row", has_text="Noah Kim").locator(".avatar")).to_have_text("B")
    assert Conversation.objects.get(pk=ai_owned.pk).assignee == ben

    # Ana resolves with the keyboard, then searches history for an old email with "/".
    page.locator("#compose-text").fill("")
    page.locator("body").press("Escape")
    page.keyboard.press("e")
    expect(page.locator("#conversation-live [data-status]")).to_have_attribute("data-status", "resolved")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    screenshot(page, "shortcuts")
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    page.keyboard.type("green tent")
    page.keyboard.press("Enter")
    result = page.locator(".result", has_text="Maya Lopez")
    expect(result.locator("mark").first).to_have_text("green")
    screenshot(page, "search")
    result.locator("a").click()
    page.wait_for_url(f"**/conversations/{old.conversation_id}/#message-{old.pk}")
    expect(page.locator(f"#message-{old.pk}")).to_contain_text("invoice for the green tent")
    assert ana.pk


def test_the_inbox_on_a_tablet(new_page):
    _agent("ana", "Ana")
    conversation = message_receive(channel=Channel.SMS, address="+14155551012", name="Liam Tanaka",
                                   text="Is the Trail Pro jacket waterproof?").message.conversation  # fmt: skip
    tablet = new_page()
    tablet.set_viewport_size({"width": 1024, "height": 768})
    log_in(tablet, "ana", "pw-ana-123")
    tablet.goto(f"/conversations/{conversation.pk}/")
    expect(tablet.locator("#conversation-live h1")).to_have_text("Liam Tanaka")
    expect(tablet.locator("#compose-text")).to_be_visible()
    screenshot(tablet, "tablet-landscape")
    tablet.set_viewport_size({"width": 768, "height": 1024})
    expect(tablet.locator(".list-pane")).to_be_hidden()
    tablet.locator("a.back").click()
    expect(tablet.locator(".conversation-row", has_text="Liam Tanaka")).to_be_visible()
    screenshot(tablet, "tablet-portrait-list")
