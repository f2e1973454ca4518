"""The article link appended by code under a customer reply, and the [n] markers of drafts."""

import pytest

from agents.citations import (
    article_url,
    citation_for,
    citation_line,
    markers_cited,
    markers_strip,
    text_with_citations,
)
from agents.knowledge import Passage
from inbox.models import Channel

BASE = "https://help.example.com"


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


def passage(article_id: int, title: str) -> Passage:
    return Passage(article_id=article_id, title=title, text="...", similarity=0.8, text_rank=0.0, score=0.9)


REFUNDS = passage(7, "Refund policy")
SHIPPING = passage(9, "Shipping times")


def test_the_article_url_is_absolute_for_messages_and_relative_for_the_app():
    assert article_url(REFUNDS) == f"{BASE}/ai/articles/7/"
    assert citation_for(n=2, passage=REFUNDS, absolute=True) == {
        "n": 2, "article_id": 7, "title": "Refund policy", "url": f"{BASE}/ai/articles/7/"
    }  # fmt: skip
    assert citation_for(n=1, passage=REFUNDS)["url"] == "/ai/articles/7/"


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "More:"), ("es", "Más información:"), ("de", "Mehr dazu:"), ("pt", "Saiba mais:"),
     ("fr", "En savoir plus :"), ("it", "More:"), ("", "More:")],
)  # fmt: skip
def test_the_link_line_is_in_the_customers_language(language, label):
    citations = [citation_for(n=1, passage=REFUNDS, absolute=True)]
    line = citation_line(citations=citations, language=language, channel=Channel.CHAT)
    assert line == f"{label} Refund policy \u2013 {BASE}/ai/articles/7/"


def test_a_chat_reply_gets_the_link_on_the_next_line():
    citations = [citation_for(n=1, passage=REFUNDS, absolute=True)]
    text = text_with_citations(body="You have 30 days.", citations=citations, language="es", channel=Channel.CHAT)
    assert text == f"You have 30 days.\nMás información: Refund policy \u2013 {BASE}/ai/articles/7/"


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.WHATSAPP])
def test_phone_channels_are_formatted_like_chat(channel):
    citations = [citation_for(n=1, passage=REFUNDS, absolute=True)]
    text = text_with_citations(body="You have 30 days.", citations=citations, language="en", channel=channel)
    assert text.splitlines() == ["You have 30 days.", f"More: Refund policy \u2013 {BASE}/ai/articles/7/"]


def test_an_email_puts_the_url_on_its_own_line_after_a_blank_line():
    citations = [citation_for(n=1, passage=REFUNDS, absolute=True)]
    text = text_with_citations(body="Hello,\n\nYou have 30 days.", citations=citations, language="de",
                               channel=Channel.EMAIL)  # fmt: skip
    assert text == f"Hello,\n\nYou have 30 days.\n\nMehr dazu: Refund policy\n{BASE}/ai/articles/7/"
    assert "\u2013" not in text


def test_two_cited_articles_get_one_link_each():
    citations = [citation_for(n=i, passage=p, absolute=True) for i, p in enumerate([REFUNDS, SHIPPING], start=1)]
    chat = citation_line(citations=citations, language="en", channel=Channel.CHAT)
    assert chat.splitlines() == [
        f"More: Refund policy \u2013 {BASE}/ai/articles/7/",
        f"More: Shipping times \u2013 {BASE}/ai/articles/9/",
    ]
    email = citation_line(citations=citations, language="en", channel=Channel.EMAIL)
    assert email.split("\n\n") == [
        f"More: Refund policy\n{BASE}/ai/articles/7/",
        f"More: Shipping times\n{BASE}/ai/articles/9/",
    ]


def test_a_reply_without_citations_is_left_as_it_is():
    assert text_with_citations(body="Hello.", citations=[], language="en", channel=Channel.EMAIL) == "Hello."


def test_markers_cited_returns_each_cited_passage_once_in_order():
    cited = markers_cited(text="Returns take 30 days [2]. Refunds take 5 days [1][2].", passages=[REFUNDS, SHIPPING])
    assert [(c["n"], c["article_id"]) for c in cited] == [(1, 7), (2, 9)]
    assert cited[0]["url"] == "/ai/articles/7/"


def test_markers_cited_ignores_numbers_outside_the_passages():
    cited = markers_cited(text="See [0], [3] and [12], but also [1].", passages=[REFUNDS, SHIPPING])
    assert [c["n"] for c in cited] == [1]
    assert markers_cited(text="No markers here, only 2024 and [x].", passages=[REFUNDS]) == []


def test_markers_strip_removes_the_markers_and_the_space_before_them():
    assert markers_strip("Returns take 30 days [1]. Refunds take 5 days [1][2].") == (
        "Returns take 30 days. Refunds take 5 days."
    )
    assert markers_strip("Express costs $19.95 [2], standard is free.") == "Express costs $19.95, standard is free."
    assert markers_strip("Nothing cited (see 2024).") == "Nothing cited (see 2024)."
