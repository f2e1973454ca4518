"""Citations, added by code: the article link under a customer reply, and the [n] markers of drafts.

The small local model does not write citations reliably (it drops them, or invents numbers), so
a customer-facing reply never depends on it: the link to the article the reply came from is
appended here, in the customer's language, with an absolute URL (the message leaves the site).
"""

import re

from django.conf import settings

from agents.knowledge import Passage
from inbox.models import Channel

MARKER = re.compile(r"\[(\d{1,2})\]")

# "More: <title> - <url>" (an en dash in the text); French puts a space before the colon.
MORE = {
    "en": "More:",
    "es": "Más información:",
    "de": "Mehr dazu:",
    "pt": "Saiba mais:",
    "fr": "En savoir plus :",
}


def article_url(passage: Passage) -> str:
    """The article's absolute address (PUBLIC_BASE_URL + its page), for messages read off-site."""
    return f"{settings.PUBLIC_BASE_URL}{passage.url}"


def citation_for(*, n: int, passage: Passage, absolute: bool = False) -> dict:
    """{n, article_id, title, url}: what message metadata, the copilot and the agent UI show."""
    url = article_url(passage) if absolute else passage.url
    return {"n": n, "article_id": passage.article_id, "title": passage.title, "url": url}


def citation_line(*, citations: list[dict], language: str, channel: str) -> str:
    """The text appended under a reply: one line per cited article; by email the link on its own line."""
    label = MORE.get(language, MORE["en"])
    if channel == Channel.EMAIL:
        return "\n\n".join(f"{label} {c['title']}\n{c['url']}" for c in citations)
    return "\n".join(f"{label} {c['title']} \u2013 {c['url']}" for c in citations)


def text_with_citations(*, body: str, citations: list[dict], language: str, channel: str) -> str:
    if not citations:
        return body
    separator = "\n\n" if channel == Channel.EMAIL else "\n"
    return f"{body}{separator}{citation_line(citations=citations, language=language, channel=channel)}"


def markers_cited(*, text: str, passages: list[Passage]) -> list[dict]:
    """The passages a draft cites with [n] markers (numbers outside the list are ignored)."""
    numbers = sorted({int(n) for n in MARKER.findall(text) if 1 <= int(n) <= len(passages)})
    return [citation_for(n=n, passage=passages[n - 1]) for n in numbers]


def markers_strip(text: str) -> str:
    """A reply without [n] markers (customer replies carry the link instead)."""
    return re.sub(r"\s*\[\d{1,2}\]", "", text)
