import pytest
from playwright.sync_api import expect

from inbox.models import AgentProfile
from tests.browser import log_in, screenshot
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.browser


def test_an_admin_invites_someone_and_later_deactivates_them(new_page):
    admin = AgentFactory(user__username="avery", role="admin")
    admin.user.set_password("pw-avery-123")
    admin.user.save()
    TeamFactory(name="Billing")

    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the "Deactivate …?" confirmation
    log_in(page, "avery", "pw-avery-123")
    page.goto("/settings/people/")
    invite = page.get_by_role("form", name="Invite an agent")
    invite.get_by_label("Name").fill("Rosa Diaz")
    invite.get_by_label("Email").fill("rosa@example.com")
    invite.get_by_label("Role").select_option(label="Team lead")
    invite.get_by_label("Billing").check()
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invited Rosa Diaz")
    row = page.locator('tr[data-agent="rosa@example.com"]')
    expect(row.get_by_label("Role of Rosa Diaz")).to_have_value("lead")
    screenshot(page, "people")

    # A mistake shows why, in place.
    invite = page.get_by_role("form", name="Invite an agent")
    invite.get_by_label("Name").fill("Rosa again")
    invite.get_by_label("Email").fill("ROSA@example.com")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("already has a login")

    row.get_by_role("button", name="Deactivate").click()
    expect(row.get_by_role("button", name="Reactivate")).to_be_visible()
    assert not AgentProfile.objects.get(user__username="rosa@example.com").user.is_active
