import pytest

from inbox.models import Channel, Conversation
from inbox.services import message_receive
from tests.browser import log_in, screenshot
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.browser


def test_an_admin_creates_a_rule_and_the_next_whatsapp_message_follows_it(new_page):
    admin = AgentFactory(user__username="avery", role="admin")
    admin.user.set_password("pw-avery-123")
    admin.user.save()
    billing = TeamFactory(name="Billing")
    chloe = AgentFactory(user__username="chloe", user__first_name="Chloe", user__last_name="Martin")
    chloe.teams.add(billing)

    page = new_page()
    log_in(page, "avery", "pw-avery-123")
    page.goto("/settings/rules/")
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("Refund requests")
    page.get_by_label("WhatsApp").check()
    page.get_by_label("Text contains").fill("refund, money back")
    page.get_by_label("Owner").select_option("team")
    page.get_by_label("Team", exact=True).select_option(label="Billing")
    page.get_by_label("Tags").fill("refund")
    # Replay the draft before saving: nothing has happened yet, so nothing would change.
    page.get_by_role("button", name="Replay").click()
    page.get_by_text("would be decided differently").wait_for()
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url("**/settings/rules/")
    row = page.locator("tr", has_text="Refund requests")
    assert "Text contains: refund, money back" in row.inner_text()
    screenshot(page, "routing-rules")

    received = message_receive(channel=Channel.WHATSAPP, address="+15559870000", text="I want my money back please")
    conversation = Conversation.objects.get(pk=received.message.conversation_id)
    assert conversation.assignee == chloe.user and conversation.tags == ["refund"]

    page.goto(f"/conversations/{conversation.pk}/")
    explained = "Assigned to Chloe Martin by rule 'Refund requests': channel=whatsapp, text contains 'money back'"
    # In the timeline, and in the conversation's "why it went here" panel beside the decision's signals.
    page.get_by_role("list", name="Messages").get_by_text(explained).wait_for()
    page.get_by_role("region", name="Routing decision").get_by_text(explained).wait_for()
    screenshot(page, "routing-explained")


def test_an_admin_sees_an_invalid_pattern_explained_and_nothing_saved(new_page):
    admin = AgentFactory(user__username="avery", role="admin")
    admin.user.set_password("pw-avery-123")
    admin.user.save()
    page = new_page()
    log_in(page, "avery", "pw-avery-123")
    page.goto("/settings/rules/new/")
    page.get_by_label("Name").fill("Broken")
    page.get_by_label("Text matches pattern").fill("(a+)+")
    page.get_by_role("button", name="Save rule").click()
    page.get_by_role("alert").get_by_text("repeats a group").wait_for()
    page.goto("/settings/rules/")
    assert page.locator("tr", has_text="Broken").count() == 0
