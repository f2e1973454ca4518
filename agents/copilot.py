"""The copilot for human agents: streamed draft replies with citations, summaries and rewrites.

Nothing here sends anything to a customer: drafts land in the agent's composer to edit.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from agents.knowledge import Passage, kb_search, sources_block
from agents.llm import StreamResult, chat_complete, chat_stream
from agents.prompts import channel_style, conversation_transcript, last_customer_text, retrieval_query
from inbox.models import Conversation

CITATION = re.compile(r"\[(\d{1,2})\]")

REWRITES = {
    "shorter": "Make it shorter; keep every fact.",
    "friendlier": "Make it warmer and friendlier; keep every fact.",
    "grammar": "Fix grammar and spelling only; change nothing else.",
    "translate": "Translate it into the customer's language ({language}).",
}


@dataclass
class Draft:
    """What a draft stream produced; ``citations`` are filled in once the stream is done."""

    passages: list[Passage] = field(default_factory=list)
    stream: StreamResult = field(default_factory=StreamResult)
    citations: list[dict] = field(default_factory=list)


def draft_messages(*, conversation: Conversation, passages: list[Passage]) -> list[dict]:
    _, channel = last_customer_text(conversation)
    system = (
        "You help a human support agent by drafting their next reply to the customer. Use the numbered sources "
        "when they are relevant and cite them as [1], [2]. If they do not cover the question, say what you "
        f"would check instead of inventing facts. {channel_style(channel)}\n\nSources:\n"
        f"{sources_block(passages) or '(no matching articles)'}"
    )
    transcript = conversation_transcript(conversation=conversation)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Conversation so far:\n{transcript}\n\nWrite the agent's next reply."},
    ]


def copilot_draft_stream(*, conversation: Conversation, draft: Draft) -> Iterator[str]:
    """Yield the draft reply piece by piece. Raises LLMError. Afterwards ``draft.citations`` lists cited articles."""
    query = retrieval_query(conversation)
    draft.passages = kb_search(query=query) if query else []
    messages = draft_messages(conversation=conversation, passages=draft.passages)
    yield from chat_stream(
        purpose="copilot_draft", messages=messages, result=draft.stream, conversation_id=conversation.pk
    )
    draft.citations = citations_used(text=draft.stream.text, passages=draft.passages)


def citations_used(*, text: str, passages: list[Passage]) -> list[dict]:
    numbers = sorted({int(n) for n in CITATION.findall(text) if 1 <= int(n) <= len(passages)})
    return [
        {"n": n, "article_id": passages[n - 1].article_id, "title": passages[n - 1].title, "url": passages[n - 1].url}
        for n in numbers
    ]


def conversation_summarise(*, conversation: Conversation) -> str:
    """A few lines for a human picking the conversation up. Raises LLMError."""
    messages = [
        {
            "role": "system",
            "content": "Summarise this support conversation for a colleague in at most 4 short bullet points: "
            "what the customer wants, what was tried, what is still open.",
        },
        {"role": "user", "content": conversation_transcript(conversation=conversation, limit=30)},
    ]
    return chat_complete(purpose="summarise", messages=messages, conversation_id=conversation.pk).strip()


def text_rewrite(*, conversation: Conversation, text: str, style: str) -> str:
    """The agent's own text, rewritten. ``style`` is one of REWRITES. Raises LLMError or ValueError."""
    if style not in REWRITES:
        raise ValueError(f"Unknown rewrite {style!r}")
    if not text.strip():
        raise ValueError("Write something to rewrite first")
    language = conversation.customer.language or _customer_language(conversation) or "the customer's language"
    instruction = REWRITES[style].format(language=language)
    messages = [
        {"role": "system", "content": f"Rewrite the support agent's reply. {instruction} Answer with the text only."},
        {"role": "user", "content": text[:4000]},
    ]
    return chat_complete(purpose=f"rewrite_{style}", messages=messages, conversation_id=conversation.pk).strip()


def _customer_language(conversation: Conversation) -> str:
    from inbox.models import Message

    for c in (
        conversation.messages.filter(direction=Message.Direction.INBOUND)
        .order_by("-created_at")
        .values_list("classification", flat=True)[:5]
    ):
        if c and c.get("language"):
            return c["language"]
    return ""
