"""A team lead runs the Billing queue in real Chromium: live arrivals, reassigning, end of shift."""

import pytest
from playwright.sync_api import expect

from inbox.models import AgentProfile, Conversation
from inbox.services import conversation_assign
from tests.browser import in_thread, log_in, screenshot
from tests.factories import AgentFactory, ConversationFactory, TeamFactory

pytestmark = pytest.mark.browser


def _person(username: str, first_name: str, team, **fields):
    profile = AgentFactory(user__username=username, user__first_name=first_name, **fields)
    profile.teams.add(team)
    profile.user.set_password(f"pw-{username}-123")
    profile.user.save()
    return profile.user


def test_a_lead_runs_the_team_queue_live(new_page):
    billing = TeamFactory(name="Billing")
    # Nobody here takes work from the queue by themselves (routing drains it to online agents
    # with room): the lead has no capacity, the agents are away.
    _person("lea", "Lea", billing, role=AgentProfile.Role.LEAD, capacity=0)
    ana = _person("ana", "Ana", billing, presence="away")
    ben = _person("ben", "Ben", billing, presence="away")
    waiting = ConversationFactory(team=billing, subject="Invoice is wrong")

    page = new_page()
    log_in(page, "lea", "pw-lea-123")
    page.goto("/team/")
    expect(page.locator("h1")).to_have_text("Billing queue")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    backlog = page.locator('table[aria-label="Unassigned backlog"]')
    expect(backlog).to_contain_text("Invoice is wrong")

    # Routing puts a new conversation in Billing's queue: it appears without a reload.
    arriving = ConversationFactory(subject="Charged twice")
    in_thread(conversation_assign, conversation=arriving, owner=Conversation.Owner.UNASSIGNED, team=billing)
    expect(backlog).to_contain_text("Charged twice")
    expect(page.locator('[data-count="backlog"]')).to_have_text("2")

    # Lea gives the invoice question to Ana.
    row = page.locator(f'tr[data-conversation="{waiting.pk}"]')
    row.locator("select").select_option(value=f"agent:{ana.pk}")
    row.get_by_role("button", name="Give").click()
    assigned = page.locator('table[aria-label="Assigned conversations"]')
    expect(assigned.locator(f'tr[data-conversation="{waiting.pk}"]')).to_contain_text("Ana")
    expect(page.locator(f'tr[data-member="{ana.pk}"] [data-load]')).to_have_text("1 / 8")

    # Ben's shift ends.
    page.locator(f'tr[data-member="{ben.pk}"]').get_by_role("button", name="End shift").click()
    expect(page.locator(f'tr[data-member="{ben.pk}"] [data-presence]')).to_have_text("Offline")
    screenshot(page, "team-queue")

    waiting.refresh_from_db()
    ben.agent.refresh_from_db()
    assert waiting.assignee == ana and ben.agent.presence == "offline"
