"""Bad input against the live stack: malformed and oversized signed webhooks are refused with a
reason and store nothing; script in what customers send stays inert in the agent's browser."""

import urllib.parse
import urllib.request

import pytest

from inbox.models import Customer, Message
from tests.browser import log_in
from tests.channels_app.twilio_helpers import inbound_params, sign
from tests.factories import AgentFactory
from tests.resilience.test_twilio_storm import INBOUND, post

pytestmark = [pytest.mark.resilience]

XSS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    '<svg onload="window.__pwned=1;alert(1)">',
    '"><iframe src="javascript:window.parent.__pwned=1;alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    '{{7*7}} ${alert(1)} <details open ontoggle="window.__pwned=1;alert(1)">',
]


def body_of(base: str, path: str, params: dict) -> tuple[int, str]:
    url = base + path
    data = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(url, data=data, headers={"X-Twilio-Signature": sign(url, params)})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"MessageSid": ""}, "MessageSid is missing"),
        ({"From": ""}, "From is missing"),
        ({"NumMedia": "lots"}, "NumMedia is not a number"),
        ({"NumMedia": "1"}, "MediaUrl0 is missing"),
    ],
)
def test_malformed_signed_webhooks_are_refused_with_the_reason_and_store_nothing(
    live_web, transactional_db, change, reason
):
    params = inbound_params(sid="SM" + "c" * 32, sender="whatsapp:+15554440000", body="half") | change
    status, text = body_of(live_web.url, INBOUND, params)
    assert (status, reason in text) == (400, True), text
    assert not Message.objects.filter(text="half").exists()
    assert not Customer.objects.filter(contact_points__address__contains="5554440000").exists()


def test_an_oversized_webhook_is_refused_and_stores_nothing(live_web, transactional_db):
    params = inbound_params(sid="SM" + "d" * 32, body="x" * 3_000_000)
    assert post(live_web.url, INBOUND, params) in (400, 413)
    assert not Message.objects.filter(external_id=params["MessageSid"]).exists()


@pytest.mark.browser
def test_script_in_customer_names_and_messages_is_inert_in_the_agent_inbox(chromium, transactional_db, live_web):
    agent = AgentFactory(user__username="xss-ana")
    agent.user.set_password("pw-xss-123")
    agent.user.save()
    for n, payload in enumerate(XSS):
        params = inbound_params(sid=f"SM{n + 90_000:032x}", sender=f"whatsapp:+1555600{n:04d}", body=payload)
        params["ProfileName"] = payload
        assert post(live_web.url, INBOUND, params) == 200

    context = chromium.new_context(base_url=live_web.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        log_in(page, "xss-ana", "pw-xss-123")
        page.get_by_text("window.__pwned=1</script>").first.wait_for()  # shown as text
        for message in Message.objects.filter(text__in=XSS).select_related("conversation"):
            page.goto(f"/conversations/{message.conversation_id}/")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__pwned") is None, message.text
        page.goto("/search/?q=ontoggle")  # search results highlight matches: still text
        page.wait_for_load_state("networkidle")
        assert page.get_by_text("ontoggle").count() > 0, "the search found nothing"
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
    finally:
        context.close()
