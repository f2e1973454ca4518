"""The copilot for human agents: streamed draft replies with citations, summaries and rewrites.

Nothing here sends anything to a customer: drafts land in the agent's composer to edit.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from agents.citations import citation_for, markers_cited
from agents.decisions import kb_passages
from agents.knowledge import Passage, sources_block
from agents.language import language_detect, languages_supported
from agents.llm import StreamResult, chat_complete, chat_stream
from agents.prompts import channel_style, conversation_transcript, language_name, last_customer_text, retrieval_query
from inbox.models import Conversation, Message

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
    language: str = ""


def draft_language(*, conversation: Conversation) -> str:
    """The customer's language: what the classifier stored on their newest message (it knew their
    earlier language too), else detected from that message's text."""
    last = (
        conversation.messages.filter(direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values("text", "classification")
        .first()
    ) or {"text": "", "classification": {}}
    classified = (last["classification"] or {}).get("language")
    if classified in languages_supported():
        return classified
    return language_detect(last["text"] or "", hint=conversation.customer.language or "")[0]


def draft_messages(*, conversation: Conversation, passages: list[Passage], language: str = "") -> list[dict]:
    """System + user messages for a draft in ``language`` (the customer's when blank). Short and
    explicit, and the language said twice: the small local model drifts into the sources' language."""
    _, channel = last_customer_text(conversation)
    name = language_name(language or draft_language(conversation=conversation))
    if passages:
        grounding = (
            "Use the numbered sources and cite them by number, like [1] or [2]. If they do not answer the "
            "question, say what the agent should check instead of inventing facts."
        )
        sources = f"\n\nSources:\n{sources_block(passages)}"
    else:
        grounding = "No help article answers this: say what the agent should check instead of inventing facts."
        sources = ""
    system = (
        f"You draft the support agent's next reply to the customer. Write it in {name}. {grounding} "
        f"{channel_style(channel)}{sources}"
    )
    transcript = conversation_transcript(conversation=conversation)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Conversation so far:\n{transcript}\n\nWrite the agent's next reply in {name}."},
    ]


def copilot_draft_stream(*, conversation: Conversation, draft: Draft) -> Iterator[str]:
    """Yield the draft reply piece by piece. Raises LLMError. Afterwards ``draft.citations`` lists cited articles."""
    query = retrieval_query(conversation)
    draft.language = draft_language(conversation=conversation)
    found = kb_passages(text=query, language=draft.language) if query else []
    # Weak passages misled drafts (cited beside the one that answers, or answered from): offer only
    # the ones that answer it, by the same threshold the AI agent uses.
    draft.passages = [p for p in found if p.score >= settings.AI_MIN_RETRIEVAL_SCORE]
    messages = draft_messages(conversation=conversation, passages=draft.passages, language=draft.language)
    yield from chat_stream(
        purpose="copilot_draft", messages=messages, result=draft.stream, conversation_id=conversation.pk
    )
    draft.citations = draft_citations(text=draft.stream.text, passages=draft.passages)


def draft_citations(*, text: str, passages: list[Passage]) -> list[dict]:
    """The articles the draft cites by [n] markers ("inline": True). The small model often writes none,
    so then the top passage is listed ("inline": False): the agent still sees which article it came from."""
    cited = [{**c, "inline": True} for c in markers_cited(text=text, passages=passages)]
    if cited or not passages:
        return cited
    return [{**citation_for(n=1, passage=passages[0]), "inline": False}]


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
    language = conversation.customer.language or draft_language(conversation=conversation)
    instruction = REWRITES[style].format(language=language)
    messages = [
        {"role": "system", "content": f"Rewrite the support agent's reply. {instruction} Answer with the text only."},
        {"role": "user", "content": text[:4000]},
    ]
    return chat_complete(purpose=f"rewrite_{style}", messages=messages, conversation_id=conversation.pk).strip()
