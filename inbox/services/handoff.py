from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox.models import Conversation, Team
from inbox.services.conversations import conversation_assign
from inbox.services.messages import note_add


def conversation_handoff_to_human(
    *,
    conversation: Conversation,
    reason: str,
    summary: str,
    team: Team | None = None,
    actor: AbstractBaseUser | None = None,
) -> Conversation:
    """Take a conversation away from the AI agent and put it in the humans' queue.

    ``reason`` says why (shown in the timeline); ``summary`` is the internal note the human
    reads first. The AI never answers a conversation it no longer owns.
    """
    if not reason.strip():
        raise ValidationError("A handoff needs a reason")
    with transaction.atomic():
        if summary.strip():
            note_add(conversation=conversation, author=None, text=f"Handoff summary: {summary.strip()}")
        return conversation_assign(
            conversation=conversation,
            owner=Conversation.Owner.UNASSIGNED,
            team=team,
            actor=actor,
            reason=f"after a handoff from the AI agent ({reason.strip()})",
        )
