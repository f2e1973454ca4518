"""Ownership changes between the AI and humans that are not rule decisions.

- ``handoff_customer_notify``: after an AI -> human handoff, tell the customer what happens next.
- ``conversation_handback_to_ai``: an agent gives a conversation (back) to the AI with a note.
- ``expected_wait_minutes``: the team's recent median first-response time (what we promise).
"""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inbox.models import AgentProfile, Conversation, Team
from inbox.services.conversations import conversation_assign
from inbox.services.messages import note_add

WAIT_SAMPLE_DAYS = 7


def expected_wait_minutes(team: Team) -> int | None:
    """Median minutes to first response in ``team`` over the last week, None without data."""
    from django.db.models import DurationField, ExpressionWrapper
    from django.db.models.aggregates import Aggregate

    class Median(Aggregate):
        function = "PERCENTILE_CONT"
        template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        output_field = DurationField()

    wait = ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())
    median = Conversation.objects.filter(
        team=team, first_response_at__isnull=False, created_at__gte=timezone.now() - timedelta(days=WAIT_SAMPLE_DAYS)
    ).aggregate(m=Median(wait))["m"]
    if median is None:
        return None
    return max(1, round(median.total_seconds() / 60))


def handoff_customer_notify(*, conversation: Conversation, team: Team | None, opening: str) -> None:
    from inbox.rules.apply import customer_notify

    if conversation.owner == Conversation.Owner.HUMAN and conversation.assignee:
        first = conversation.assignee.first_name or conversation.assignee.get_username()
        where = f" from our {team.name} team" if team else ""
        text = f"I'm passing you to {first}{where}, who will reply here shortly."
    elif opening:
        text = (
            f"I'm passing you to our {team.name} team. They are closed right now and open {opening}; "
            "they'll pick this up then."
        )
    else:
        minutes = expected_wait_minutes(team) if team else None
        wait = f"the expected wait is about {minutes} minutes" if minutes else "someone will be with you soon"
        text = f"I'm passing you to a member of our team; {wait}."
    customer_notify(conversation=conversation, text=text, kind="handoff_notice")


def conversation_handback_to_ai(
    *, conversation: Conversation, actor: AbstractBaseUser, note: str, procedure: str = ""
) -> Conversation:
    """An agent gives the conversation (back) to the AI agent, with a note the AI reads.

    The note is required (the AI needs context); the agent's queue then refills from backlog.
    """
    if not note.strip():
        raise ValidationError("Tell the AI agent what to do next in a note")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        previous_assignee = locked.assignee_id
        locked.ai_procedure = procedure.strip()[:100]
        locked.save(update_fields=["ai_procedure", "updated_at"])
        note_add(conversation=locked, author=actor, text=f"Handback to AI: {note.strip()}")
        name = actor.get_full_name() or actor.get_username()
        locked = conversation_assign(
            conversation=locked,
            owner=Conversation.Owner.AI,
            team=locked.team,
            actor=actor,
            reason=f"by {name} (handback: {note.strip()[:120]})",
        )
        if previous_assignee and AgentProfile.objects.filter(user_id=previous_assignee).exists():
            from inbox.assignment import backlog_drain_enqueue

            backlog_drain_enqueue(user_id=previous_assignee)
    return locked
