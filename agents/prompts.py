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
