import pytest

from agents.models import Article
from inbox.models import AgentProfile
from tests.browser import log_in, screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_an_admin_imports_a_folder_and_sees_the_progress_bar_finish(new_page, tmp_path):
    admin = AgentFactory(user__username="root", role=AgentProfile.Role.ADMIN)
    admin.user.set_password("pw-root-123")
    admin.user.save()
    folder = tmp_path / "help-center"
    folder.mkdir()
    (folder / "returns.md").write_text("# Returns\n\nReturn unworn items within 30 days.")
    (folder / "shipping.html").write_text("<h1>Shipping</h1><p>We ship to 40 countries.</p>")
    (folder / "notes.txt").write_text("not an article")

    page = new_page()
    log_in(page, "root", "pw-root-123")
    page.goto("/settings/ai/articles/")
    page.locator("input[type=file]").set_input_files(folder)
    page.get_by_role("button", name="Import", exact=True).click()

    job = page.locator("[data-job-state=done]")
    job.wait_for()
    assert job.locator("progress").get_attribute("value") == "100"
    assert "2/2" in job.inner_text() and "2 articles (re)embedded" in job.inner_text()
    assert "notes.txt: not a .md or .html file" in page.locator("#job-area").inner_text()
    screenshot(page, "kb-import")
    page.get_by_role("link", name="Refresh the list").click()
    assert (
        page.get_by_role("link", name="Returns").is_visible() and page.get_by_role("link", name="Shipping").is_visible()
    )
    assert set(Article.objects.values_list("title", flat=True)) == {"Returns", "Shipping"}
