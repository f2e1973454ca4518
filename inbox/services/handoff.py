from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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
    """Take a conversation away from the AI agent and give it to the humans.

    ``reason`` says why (shown in the timeline); ``summary`` is the internal note the human
    reads first. The owner stops being the AI at once (the AI never answers a conversation it
    does not own), then the normal assignment path runs: ``team`` (else the conversation's
    team, else the default routing rule's team) picks an agent by its policy, or the
    conversation waits in that team's queue. The customer is told what happens next: who is
    taking over, the expected wait, or the next opening time when the team is closed. Without
    any team it waits in the general queue.
    """
    from inbox.assignment import conversation_route_to_team
    from inbox.handback import handoff_customer_notify
    from inbox.hours import opening_text, team_is_open

    if not reason.strip():
        raise ValidationError("A handoff needs a reason")
    team = team or conversation.team or _default_team()
    why = f"after a handoff from the AI agent ({reason.strip()})"
    with transaction.atomic():
        if summary.strip():
            note_add(conversation=conversation, author=None, text=f"Handoff summary: {summary.strip()}")
        conversation = conversation_assign(
            conversation=conversation,
            owner=Conversation.Owner.UNASSIGNED,
            team=team,
            actor=actor,
            reason=why,
            handoff_reason=reason.strip(),
        )
    if team is None:
        handoff_customer_notify(conversation=conversation, team=None, opening="")
        return conversation
    now = timezone.now()
    if team_is_open(team, now):
        conversation = conversation_route_to_team(conversation=conversation, team=team, reason=why)
        handoff_customer_notify(conversation=conversation, team=team, opening="")
    else:
        handoff_customer_notify(conversation=conversation, team=team, opening=opening_text(team, now))
    return conversation


def _default_team() -> Team | None:
    from inbox.models_routing import RoutingRule

    default = RoutingRule.objects.filter(is_default=True).first()
    team_id = (default.actions or {}).get("team_id") if default else None
    return Team.objects.filter(pk=team_id).first() if team_id else None
