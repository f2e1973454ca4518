import pytest

from inbox.models import Channel
from inbox.services import message_receive
from tests.agents.kb import kb_load
from tests.browser import log_in, screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.browser

CHUNKS = ["Hi Maya, ", "standard ", "shipping ", "takes ", "3 to 5 ", "business days ", "[1]."]


def test_the_draft_streams_into_the_composer_with_citation_links(new_page, openai_standin):
    articles = kb_load()
    agent = AgentFactory(user__username="ana")
    agent.user.set_password("pw-ana-123")
    agent.user.save()
    conversation = message_receive(
        channel=Channel.WHATSAPP, address="+15551230000", text="When will my parcel arrive?", name="Maya"
    ).message.conversation
    openai_standin.script(chunks=CHUNKS, chunk_delay=0.25)

    page = new_page()
    log_in(page, "ana", "pw-ana-123")
    page.goto(f"/ai/conversations/{conversation.pk}/copilot/")
    page.get_by_role("button", name="Draft reply").click()

    composer = page.locator("#composer-text")
    # Token by token: the composer holds part of the draft before it holds all of it.
    page.wait_for_function(
        "() => { const t = document.querySelector('#composer-text');"
        " return Number(t.dataset.copilotChunks) >= 2 && t.dataset.copilotDone === undefined; }"
    )
    partial = composer.input_value()
    assert partial and "".join(CHUNKS).startswith(partial) and partial != "".join(CHUNKS)
    page.wait_for_function("document.querySelector('#composer-text').dataset.copilotDone === 'true'")
    assert composer.input_value() == "".join(CHUNKS)
    assert page.locator("[data-copilot-status]").inner_text() == "Draft ready: edit it, then send."

    citation = page.get_by_role("link", name="[1] Shipping times")
    assert citation.get_attribute("href") == f"/ai/articles/{articles['Shipping times'].pk}/"

    composer.press("End")
    composer.type(" Anything else?")
    assert composer.input_value().endswith("[1]. Anything else?")
    screenshot(page, "copilot-draft")

    with page.context.expect_page() as opened:
        citation.click()
    article = opened.value
    article.wait_for_load_state()
    assert article.get_by_role("heading", name="Shipping times", level=1).first.is_visible()
    assert "Express shipping arrives the next business day" in article.content()


def test_summarise_and_rewrite_work_from_the_buttons(new_page, openai_standin):
    agent = AgentFactory(user__username="ben")
    agent.user.set_password("pw-ben-123")
    agent.user.save()
    conversation = message_receive(
        channel=Channel.EMAIL, address="maya@example.com", text="My parcel is late", name="Maya"
    ).message.conversation
    openai_standin.script(match="Summarise", content="- Parcel is late\n- <i>No tracking yet</i>")
    openai_standin.script(match="shorter", content="Sorry! Checking now.")

    page = new_page()
    log_in(page, "ben", "pw-ben-123")
    page.goto(f"/ai/conversations/{conversation.pk}/copilot/")
    page.get_by_role("button", name="Summarise").click()
    page.locator("#copilot-summary output").wait_for()
    assert page.locator("#copilot-summary output").inner_text() == "- Parcel is late\n- <i>No tracking yet</i>"

    page.locator("#composer-text").fill("We are very sorry about the delay, we are checking with the courier now.")
    page.get_by_role("button", name="Shorter").click()
    page.wait_for_function("document.querySelector('#composer-text').value === 'Sorry! Checking now.'")
    assert page.locator("[data-copilot-status]").inner_text() == "Rewritten: check it before sending."
