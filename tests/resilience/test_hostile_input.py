"""Hostile customer input rendered in every place people read it, in real Chromium: inert.

Each payload, if it ever ran, would set ``window.__xss`` or open a dialog; neither may happen on
the agent's pages (list, conversation, customer panel, search, notifications, KPIs, settings) or
in the visitor's widget.
"""

import pytest

from channels_app.email.inbound import email_receive
from inbox.models import Attachment, Channel, Message
from inbox.services import message_receive, note_add
from tests.browser import log_in
from tests.browser_tests.test_widget import WIDGET, agent_reply, in_thread, open_store
from tests.factories import AgentFactory

pytestmark = [pytest.mark.resilience, pytest.mark.browser]

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1;alert(1)">',
    '"><svg onload=window.__xss=1>',
    '<iframe src="javascript:window.top.__xss=1"></iframe>',
    "{{7*7}} ${alert(1)} <b onmouseover=window.__xss=1>bold</b>",
    "javascript:window.__xss=1",
    '<a href="javascript:window.__xss=1">click</a><style>*{display:none}</style>',
]
HTML_EMAIL = (
    b"From: =?utf-8?q?Eve?= <eve@example.com>\r\nTo: support@localhost\r\n"
    b"Subject: <img src=x onerror=window.__xss=1>\r\n"
    b"Message-ID: <xss-1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b'<p>Hello <script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
    b'<a href="javascript:window.__xss=1">track</a><svg><animate onbegin=window.__xss=1 attributeName=x /></svg>'
    b'<form action="https://evil.example"><input name=card></form></p>\r\n'
)


def _inert(page) -> None:
    assert page.evaluate("window.__xss === undefined"), f"a payload ran on {page.url}"


def _seed(admin):
    conversation = None
    for i, payload in enumerate(PAYLOADS):
        received = message_receive(
            channel=Channel.SMS, address=f"+1555600{i:04d}", name=payload, text=f"hostile {payload} marker{i}"
        )
        conversation = received.message.conversation
        Attachment.objects.create(message=received.message, filename=f"{payload}.pdf", content_type="application/pdf")
    note_add(conversation=conversation, author=admin, text=f"@{admin.username} look {PAYLOADS[1]}")
    email_receive(raw=HTML_EMAIL)
    return conversation


def test_payloads_stay_inert_on_every_agent_page(new_page):
    admin = AgentFactory(user__username="avery", role="admin", user__first_name=PAYLOADS[2]).user
    admin.set_password("pw-avery-123")
    admin.save()
    conversation = in_thread(_seed, admin)
    email = Message.objects.get(channel=Channel.EMAIL)

    page = new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, "avery", "pw-avery-123")
    pages = [
        "/",
        f"/conversations/{conversation.pk}/",
        f"/conversations/{email.conversation_id}/",
        "/search/?q=hostile",
        "/search/?q=eve",
        "/notifications/",
        "/metrics/",
        "/settings/people/",
        "/settings/audit/",
        "/qa/",
    ]
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        _inert(page)
    # The text is shown, as text.
    page.goto(f"/conversations/{conversation.pk}/")
    assert page.get_by_text("hostile <a href=", exact=False).count() >= 1
    assert dialogs == []


def test_payloads_stay_inert_in_the_visitors_widget(new_page):
    AgentFactory()  # someone is online
    page = new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_store(page)
    page.locator(f"{WIDGET} .launcher").click()
    page.locator(f"{WIDGET} textarea").fill(PAYLOADS[1])
    page.keyboard.press("Enter")
    page.locator(f"{WIDGET} .msg.mine[data-id]").wait_for()
    question = Message.objects.get(channel=Channel.CHAT)
    for payload in PAYLOADS:
        in_thread(agent_reply, question.conversation, payload)
    page.locator(f"{WIDGET} .msg.theirs").nth(len(PAYLOADS) - 1).wait_for()
    _inert(page)
    assert page.locator(f"{WIDGET} .msg.theirs").first.inner_text().strip().endswith(PAYLOADS[0])  # shown as text
    assert dialogs == []
