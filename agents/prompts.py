"""Prompt pieces shared by the copilot and the AI agent: the transcript and the channel's tone."""

from inbox.models import Channel, Conversation, Message

TRANSCRIPT_MESSAGES = 12
SHORT_FOLLOW_UP_WORDS = 6
SPEAKER = {
    Message.Author.CUSTOMER: "Customer",
    Message.Author.AGENT: "Agent",
    Message.Author.AI: "AI agent",
}


def channel_style(channel: str) -> str:
    if channel in (Channel.WHATSAPP, Channel.SMS):
        return "The reply goes by text message: keep it short (at most 3 sentences), no headings."
    if channel == Channel.EMAIL:
        return "The reply goes by email: a complete, friendly answer with a greeting and a sign-off."
    return "The reply goes to a live chat: be brief and conversational."


def conversation_transcript(*, conversation: Conversation, limit: int = TRANSCRIPT_MESSAGES) -> str:
    """The recent customer-facing messages across all channels, oldest first, one per line."""
    recent = list(
        conversation.messages.filter(direction__in=[Message.Direction.INBOUND, Message.Direction.OUTBOUND])
        .order_by("-created_at", "-id")
        .values("author_kind", "channel", "text")[:limit]
    )
    lines = [
        f"{SPEAKER.get(m['author_kind'], 'System')} ({m['channel'] or 'note'}): {m['text'][:600]}"
        for m in reversed(recent)
    ]
    return "\n".join(lines) or "(no messages yet)"


def last_customer_text(conversation: Conversation) -> tuple[str, str]:
    """(text, channel) of the customer's newest message."""
    last = (
        conversation.messages.filter(direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values("text", "channel")
        .first()
    )
    return (last["text"], last["channel"]) if last else ("", conversation.last_inbound_channel or Channel.EMAIL)


def retrieval_query(conversation: Conversation) -> str:
    """What to search the knowledge base for: the newest customer message, plus the one before
    when the newest is a short follow-up ("and with express?") that means little alone."""
    texts = list(
        conversation.messages.filter(direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)[:2]
    )
    if not texts:
        return ""
    if len(texts) == 2 and len(texts[0].split()) < SHORT_FOLLOW_UP_WORDS:
        return f"{texts[0]}\n{texts[1]}"
    return texts[0]


# ----- The AI agent's answer (agents/answer.py): short, because the local model reads ~80 tokens/s ---

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "de": "German", "pt": "Portuguese", "fr": "French"}
NO_ANSWER = "NO_ANSWER"
HANDOFF = "HANDOFF"
ANSWER_LENGTH = {
    Channel.SMS: "one or two short sentences",
    Channel.WHATSAPP: "one or two short sentences",
    Channel.EMAIL: "a one-line greeting and at most 4 sentences",
}
ANSWER_CHARS = 1500  # of article text in the prompt, over at most two passages
PROCEDURE_CHARS = 300


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code or "the customer's language")


def answer_messages(
    *, question: str, passages: list, language: str, channel: str, procedures: list[tuple[str, int, str]]
) -> list[dict]:
    """System + user messages for one grounded answer (~200-450 tokens). ``passages`` carry only the
    sentences closest to the question, in the article's order (agents/answer.py); of the wordings tried on the
    1.5B model this one answered most questions right and said NO_ANSWER least to answerable ones
    (tests/bench/answers.py). Links are added by code, never asked of the model."""
    length = ANSWER_LENGTH.get(channel, "at most 3 short sentences")
    rules = ""
    if procedures:
        lines = "\n".join(f"- {text[:PROCEDURE_CHARS]}" for _, _, text in procedures)
        rules = (
            f"\n\nTeam rules:\n{lines}\nIf a team rule says to hand the conversation to a person, reply only {HANDOFF}."
        )
    articles, room = [], ANSWER_CHARS
    for passage in passages:
        if room < 150:
            break
        lines = "\n".join(f"- {line}" for line in passage.text[:room].splitlines() if line.strip())
        room -= len(lines)
        articles.append(f'Help article "{passage.title}":\n{lines}')
    system = (
        f"You are a shop's support assistant. Answer the customer's question in {language_name(language)}, in "
        f"{length}, using the fact from the help article that answers it. Keep its numbers, prices and times "
        f"exactly. Add nothing that is not in the article. If the article does not answer it, reply {NO_ANSWER}."
        f"{rules}\n\n" + "\n\n".join(articles)
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": question[:500]}]
