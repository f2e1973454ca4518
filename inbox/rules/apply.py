"""Carry out a routing decision on a real conversation, explaining every ownership change."""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inbox.assignment import conversation_assign_to_agent, conversation_route_to_team
from inbox.hours import opening_text, team_is_open
from inbox.models import Conversation, Message, Team
from inbox.models_routing import SlaPolicy
from inbox.rules.conditions import RoutingContext
from inbox.rules.engine import Decision, rules_active, rules_evaluate
from inbox.services.conversations import conversation_assign
from inbox.services.messages import message_append_outbound, system_event_add

log = logging.getLogger(__name__)

AFTER_HOURS_ACK_EVERY = timedelta(hours=12)  # one "we're closed" note per closed stretch, not per message


def routing_context_for(message: Message, at: datetime | None = None) -> RoutingContext:
    """What the rules see for a stored inbound message. A few small queries, no per-rule ones."""
    conversation = message.conversation
    customer = conversation.customer
    return RoutingContext(
        channel=message.channel,
        text=message.text or "",
        at=at or message.created_at or timezone.now(),
        classification=message.classification or {},
        customer_tags=list(customer.tags or []),
        customer_attributes=dict(customer.attributes or {}),
        returning=customer.conversations.exclude(pk=conversation.pk).exists(),
        ai_turns=conversation.messages.filter(
            direction=Message.Direction.OUTBOUND, author_kind=Message.Author.AI
        ).count(),
        reopened=conversation.messages.filter(
            direction=Message.Direction.EVENT, metadata__kind="status", metadata__status="resolved"
        ).exists(),
    )


def should_route(conversation: Conversation, message: Message) -> bool:
    """Route a new conversation, and every inbound message while no human owns it.

    Not once an agent has answered the message or the conversation is resolved: routing waits on
    classification (seconds, more with a slow model), and handing a conversation an agent already
    closed to the AI with "our AI assistant will help you now" tells the customer the wrong thing.
    """
    if message.direction != Message.Direction.INBOUND or conversation.owner == Conversation.Owner.HUMAN:
        return False
    if conversation.status == Conversation.Status.RESOLVED:
        return False
    return not conversation.messages.filter(
        direction=Message.Direction.OUTBOUND, author_kind=Message.Author.AGENT, created_at__gt=message.created_at
    ).exists()


def conversation_route(*, message: Message, trigger: str = "") -> Decision | None:
    """Evaluate the rules for ``message`` and apply the decision to its conversation.

    Returns the decision, or None when a human owns the conversation (humans are never
    overruled by rules). Safe to run twice for the same message: every action is idempotent.
    """
    conversation = Conversation.objects.select_related("customer", "team").get(pk=message.conversation_id)
    if not should_route(conversation, message):
        return None
    message.conversation = conversation
    # Decided as of now, not as of the message: routing may run late (a slow classification, the
    # pipeline sweep after an outage), and "we open <a time already past>" must never be sent.
    ctx = routing_context_for(message, at=timezone.now())
    decision = rules_evaluate(rules_active(), ctx)
    with transaction.atomic():
        conversation = _facts_apply(conversation, decision)
    conversation = _owner_apply(conversation, decision, ctx, trigger)
    _auto_reply_send(conversation, decision)
    return decision


def _facts_apply(conversation: Conversation, decision: Decision) -> Conversation:
    from inbox.sla import sla_policy_apply

    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    fields = []
    new_tags = [t for t in decision.tags if t not in locked.tags]
    if new_tags:
        locked.tags = [*locked.tags, *new_tags]
        fields.append("tags")
    if decision.priority is not None and locked.priority != decision.priority:
        locked.priority = decision.priority
        fields.append("priority")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
        changes = []
        if new_tags:
            changes.append(f"tagged {', '.join(new_tags)}")
        if "priority" in fields:
            changes.append(f"priority {locked.get_priority_display()}")
        system_event_add(
            conversation=locked,
            text=f"{'; '.join(changes).capitalize()} by rule(s) {_rule_names(decision)}",
            metadata={"kind": "routing", "rules": [r.pk for r in decision.matched_rules]},
        )
    if decision.sla_policy_id:
        policy = SlaPolicy.objects.filter(pk=decision.sla_policy_id).first()
        if policy:
            locked = sla_policy_apply(conversation=locked, policy=policy, reason=f"by {_rule_names(decision)}")
    return locked


def ai_covers_closed_team(decision: Decision, team: Team | None, at: datetime) -> bool:
    """The rule lets the AI agent answer while the team it names is closed."""
    return team is not None and decision.after_hours == "ai" and not team_is_open(team, at)


def _rule_names(decision: Decision) -> str:
    return ", ".join(f"'{r.name}'" for r in decision.matched_rules)


def _owner_apply(conversation: Conversation, decision: Decision, ctx: RoutingContext, trigger: str) -> Conversation:
    rule = decision.owner_rule
    if rule is None:
        return conversation
    if rule.is_default and conversation.owner == Conversation.Owner.AI:
        # The AI already owns it: only a specific rule (an escalation) takes it away, never the catch-all.
        return conversation
    by = f"by rule '{rule.name}': {decision.why()}" + (f" ({trigger})" if trigger else "")
    team = Team.objects.select_related("hours").filter(pk=decision.team_id).first() if decision.team_id else None

    if decision.owner == "ai":
        return _give_to_ai(conversation, decision.procedure, team, by)
    if conversation.owner == Conversation.Owner.AI and decision.owner in ("team", "agent"):
        if ai_covers_closed_team(decision, team, ctx.at):
            return conversation
        return _escalate_from_ai(conversation, decision, team, ctx)
    if decision.owner == "agent":
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=decision.agent_id).first()
        if user is None:
            return conversation
        return conversation_assign_to_agent(conversation=conversation, user=user, reason=by)
    if decision.owner == "team" and team is not None:
        if team_is_open(team, ctx.at):
            return conversation_route_to_team(conversation=conversation, team=team, reason=by)
        opening = opening_text(team, ctx.at)
        if decision.after_hours == "ai":
            return _give_to_ai(conversation, "", team, f"{by}; {team.name} is closed until {opening}")
        conversation = conversation_route_to_team(
            conversation=conversation, team=team, reason=f"{by}; {team.name} is closed until {opening}", queue_only=True
        )
        _after_hours_ack(conversation, team, opening)
    return conversation


def _escalate_from_ai(conversation: Conversation, decision: Decision, team: Team | None, ctx) -> Conversation:
    """A rule takes an AI-owned conversation to humans: the handoff path, with a summary note
    and the customer told what happens next. The AI stops answering at once (owner changes)."""
    from inbox.handback import handoff_customer_notify
    from inbox.services.handoff import conversation_handoff_to_human
    from inbox.services.messages import note_add

    rule = decision.owner_rule
    why = f"rule '{rule.name}': {decision.why()}"
    summary = (
        f"Escalated from the AI by {why}. Last customer message: \u201c{ctx.text[:200]}\u201d. "
        f"AI replies so far: {ctx.ai_turns}."
    )
    if decision.owner == "team":
        return conversation_handoff_to_human(conversation=conversation, reason=why, summary=summary, team=team)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=decision.agent_id).first()
    if user is None:
        return conversation
    note_add(conversation=conversation, author=None, text=f"Handoff summary: {summary}")
    conversation = conversation_assign_to_agent(
        conversation=conversation, user=user, reason=f"after a handoff from the AI agent ({why})"
    )
    handoff_customer_notify(conversation=conversation, team=conversation.team, opening="")
    return conversation


def _give_to_ai(conversation: Conversation, procedure: str, team: Team | None, reason: str) -> Conversation:
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.owner == Conversation.Owner.HUMAN:
            return locked
        if locked.owner == Conversation.Owner.AI and locked.ai_procedure == procedure:
            return locked
        locked.ai_procedure = procedure
        locked.save(update_fields=["ai_procedure", "updated_at"])
        suffix = f" with procedure '{procedure}'" if procedure else ""
        return conversation_assign(
            conversation=locked, owner=Conversation.Owner.AI, team=team, reason=f"{reason}{suffix}"
        )


def customer_notify(*, conversation: Conversation, text: str, kind: str) -> Message | None:
    """Tell the customer something on their last inbound channel, as the system.

    If they cannot be reached there, the failure is written to the timeline instead of raised.
    """
    channel = conversation.last_inbound_channel
    try:
        if not channel:
            raise ValidationError("the customer has not written on any channel yet")
        return message_append_outbound(
            conversation=conversation,
            channel=channel,
            text=text,
            author_kind=Message.Author.SYSTEM,
            metadata={"kind": kind},
        )
    except ValidationError as exc:
        system_event_add(
            conversation=conversation,
            text=f"Could not send the automatic message ({kind}): {'; '.join(exc.messages)}",
            metadata={"kind": "notify_failed"},
        )
        return None


def _after_hours_ack(conversation: Conversation, team: Team, opening: str) -> None:
    with transaction.atomic():
        # Locked so two workers handling two quick messages send one acknowledgement, not two.
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _after_hours_ack_locked(conversation, team, opening)


def _after_hours_ack_locked(conversation: Conversation, team: Team, opening: str) -> None:
    recent = conversation.messages.filter(
        direction=Message.Direction.OUTBOUND,
        metadata__kind="after_hours_ack",
        created_at__gte=timezone.now() - AFTER_HOURS_ACK_EVERY,
    )
    if recent.exists():
        return
    customer_notify(
        conversation=conversation,
        text=f"Thanks for your message. Our {team.name} team is closed right now; we open {opening} "
        "and will reply then.",
        kind="after_hours_ack",
    )


def _auto_reply_send(conversation: Conversation, decision: Decision) -> None:
    rule = decision.auto_reply_rule
    if not decision.auto_reply or rule is None:
        return
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _auto_reply_send_locked(conversation, decision, rule)


def _auto_reply_send_locked(conversation: Conversation, decision: Decision, rule) -> None:
    sent = conversation.messages.filter(direction=Message.Direction.OUTBOUND, metadata__auto_reply_rule_id=rule.pk)
    if sent.exists():
        return  # once per rule per conversation, not on every message
    message = customer_notify(conversation=conversation, text=decision.auto_reply, kind="auto_reply")
    if message is not None:
        message.metadata = {**message.metadata, "auto_reply_rule_id": rule.pk}
        message.save(update_fields=["metadata"])
