import threading
import time

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import expect

from channels_app.widget.services import visitor_is_present, widget_typing
from inbox.models import Channel, ContactPoint, Message
from inbox.services import message_append_outbound
from tests.browser import screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser
WIDGET = "[data-support-widget]"


def in_thread(fn, *args, **kwargs):
    """Run server-side steps off the main thread, where Playwright's loop blocks async_to_sync."""
    result: list = []
    errors: list = []

    def target():
        try:
            result.append(fn(*args, **kwargs))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    if errors:
        raise errors[0]
    return result[0] if result else None


def agent_reply(conversation, text: str) -> Message:
    """An agent's reply; the delivery task hands it to the chat sender once it commits."""
    message = message_append_outbound(conversation=conversation, channel=Channel.CHAT, text=text)
    message.refresh_from_db()
    return message


def wait_for(condition, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def open_store(page):
    page.goto("/demo/store/")
    page.wait_for_selector(f"{WIDGET}[data-ready=true]", state="attached")


def test_a_visitor_chats_sees_the_agent_typing_and_replying_live_and_resumes_after_reload(new_page):
    AgentFactory()  # someone is online
    page = new_page()
    open_store(page)
    launcher = page.locator(f"{WIDGET} .launcher")
    # The host page styles every button hot pink; the widget's Shadow DOM keeps its own look.
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(47, 79, 58)"
    launcher.click()
    greeting = page.locator(f"{WIDGET} .greeting")
    expect(greeting).to_have_text("Hi! How can we help? Write your question below.")  # not a blank panel
    page.locator(f"{WIDGET} textarea").fill("Do you ship to Canada?")
    page.keyboard.press("Enter")
    page.locator(f"{WIDGET} .msg.mine[data-id]").filter(has_text="Do you ship to Canada?").wait_for()
    expect(greeting).to_be_hidden()
    question = Message.objects.get(channel=Channel.CHAT)

    in_thread(widget_typing, conversation_id=question.conversation_id, who="agent", typing=True)
    page.locator(f"{WIDGET} .typing").filter(has_text="Support is typing").wait_for()
    reply = in_thread(agent_reply, question.conversation, "Yes! 5-8 business days, duties included.")
    page.locator(f"{WIDGET} .msg.theirs").filter(has_text="5-8 business days").wait_for()
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == Message.Delivery.READ)
    screenshot(page, "widget-live-reply")

    page.reload()
    page.wait_for_selector(f"{WIDGET}[data-ready=true]", state="attached")
    page.locator(f"{WIDGET} .launcher").click()
    texts = page.locator(f"{WIDGET} .msg").all_inner_texts()
    assert texts[0] == "Do you ship to Canada?" and "5-8 business days" in texts[1]
    assert Message.objects.filter(channel=Channel.CHAT, direction="inbound").count() == 1


def test_a_reply_while_the_widget_is_closed_shows_an_unread_badge(new_page):
    AgentFactory()
    page = new_page()
    open_store(page)
    page.locator(f"{WIDGET} .launcher").click()
    page.locator(f"{WIDGET} textarea").fill("Is the jacket waterproof?")
    page.keyboard.press("Enter")
    page.locator(f"{WIDGET} .msg.mine[data-id]").wait_for()
    page.locator(f"{WIDGET} .close").click()
    question = Message.objects.get(channel=Channel.CHAT)

    reply = in_thread(agent_reply, question.conversation, "Fully waterproof, 20k mm.")
    badge = page.locator(f"{WIDGET} .badge")
    badge.filter(has_text="1").wait_for()
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == Message.Delivery.DELIVERED)
    screenshot(page, "widget-unread-badge")

    page.locator(f"{WIDGET} .launcher").click()
    badge.wait_for(state="hidden")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == Message.Delivery.READ)


def test_with_nobody_online_the_visitor_leaves_an_email_and_the_reply_follows_by_email(new_page):
    page = new_page()
    open_store(page)
    page.locator(f"{WIDGET} .launcher").click()
    page.locator(f"{WIDGET} .status").filter(has_text="away").wait_for()
    page.locator(f"{WIDGET} textarea").fill("My order never arrived")
    page.keyboard.press("Enter")
    page.locator(f"{WIDGET} .msg.mine[data-id]").wait_for()
    page.locator(f"{WIDGET} .offline input").fill("liam@example.com")
    page.locator(f"{WIDGET} .offline button").click()
    page.locator(f"{WIDGET} .offline").filter(has_text="We'll reply to liam@example.com").wait_for()
    page.locator(f"{WIDGET} .offline input").wait_for(state="hidden")
    screenshot(page, "widget-offline-email")

    question = Message.objects.get(channel=Channel.CHAT)
    email = ContactPoint.objects.get(kind="email", address="liam@example.com")
    assert email.customer_id == question.conversation.customer_id
    page.context.close()  # the visitor leaves
    wait_for(lambda: not visitor_is_present(conversation_id=question.conversation_id))

    reply = in_thread(agent_reply, question.conversation, "Found it: it arrives tomorrow.")
    assert [m.to for m in mail.outbox] == [["liam@example.com"]]
    assert "arrives tomorrow" in mail.outbox[0].body
    assert Message.objects.get(pk=reply.pk).metadata["delivered_via"] == "email"


def test_a_tampered_token_in_the_browser_is_refused_and_the_widget_starts_a_fresh_session(new_page):
    page = new_page()
    page.goto("/demo/store/")
    page.evaluate(
        "host => localStorage.setItem('support-widget-token:' + host, 'eyJ2IjoidnhfeCJ9:forged:signature')",
        page.url.split("/")[2],
    )
    page.reload()
    page.wait_for_selector(f"{WIDGET}[data-ready=true]", state="attached")
    token = page.evaluate("host => localStorage.getItem('support-widget-token:' + host)", page.url.split("/")[2])
    assert token and "forged" not in token


def test_a_refused_message_is_shown_as_not_sent_with_the_reason(new_page):
    page = new_page()
    open_store(page)
    page.locator(f"{WIDGET} .launcher").click()
    page.locator(f"{WIDGET} textarea").fill("x" * 5001)
    page.keyboard.press("Enter")
    page.locator(f"{WIDGET} .msg.failed").wait_for()
    assert page.locator(f"{WIDGET} .err").inner_text() == "Messages are limited to 5000 characters"
    assert not Message.objects.exists()


def test_after_resolution_the_visitor_rates_the_chat_with_a_button(new_page):
    from inbox.csat.models import CsatSurvey
    from inbox.models import Conversation
    from inbox.services import conversation_set_status

    agent = AgentFactory(user__first_name="Ana")
    page = new_page()
    open_store(page)
    page.locator(f"{WIDGET} .launcher").click()
    page.locator(f"{WIDGET} textarea").fill("Can I change my delivery address?")
    page.keyboard.press("Enter")
    page.locator(f"{WIDGET} .msg.mine[data-id]").wait_for()
    question = Message.objects.get(channel=Channel.CHAT)

    def resolve():
        message_append_outbound(
            conversation=question.conversation, channel=Channel.CHAT, text="Done!", author=agent.user
        )
        conversation_set_status(
            conversation=question.conversation, status=Conversation.Status.RESOLVED, actor=agent.user
        )

    in_thread(resolve)
    rate = page.locator(f"{WIDGET} .csat").get_by_role("button", name="Rate 5 of 5 (great)")
    rate.wait_for()
    page.locator(f"{WIDGET} .csat input").fill("Super quick")
    rate.focus()
    page.keyboard.press("Enter")  # keyboard works as well as a click
    page.locator(f"{WIDGET} .csat").get_by_role("status").filter(has_text="You rated this chat 5 of 5").wait_for()
    screenshot(page, "widget-csat")
    wait_for(lambda: CsatSurvey.objects.get().rating == 5)
    survey = CsatSurvey.objects.get()
    assert (survey.channel, survey.comment, survey.agent_id) == ("chat", "Super quick", agent.user_id)
