"""The autonomous AI agent: answers conversations routing gave it, or hands them to humans.

It answers only from retrieved articles (agents/answer.py: the model words it, a grounding check
guards it, the article's own sentences stand in when the check or the model fails, and the link
is appended by code). It hands off (with a reason and a summary note, through inbox's normal
handoff) when the decision found a reason a person must own it (asks for a person, negative,
sensitive, complex account, sales), after AI_MAX_TURNS answers without resolution, when no
article answers it, or when a procedure says so.

It never talks over a human: ownership and the "human is typing" flag are checked again at
send time while holding the conversation row lock (SELECT FOR UPDATE). A draft made while a
human took over is dropped.
"""

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agents.answer import PROCEDURE_HANDOFF, Answer, answer_compose
from agents.decisions import kb_passages, message_decide
from agents.examples import REASON_LABELS
from agents.knowledge import Passage
from agents.llm import LLMError
from agents.models import AIConversationState, Procedure
from agents.prompts import retrieval_query
from agents.status import ai_status
from inbox.models import Conversation, Message, Team
from inbox.services import conversation_handoff_to_human, conversation_set_status, message_append_outbound

log = logging.getLogger(__name__)

# A thank-you that says a problem remains ("Thanks, but it still has not arrived") or asks again is
# not a confirmation: the intent head calls it "thanks" all the same.
STILL_A_PROBLEM = re.compile(
    r"\b(?:but|still|not|however|no longer|pero|todav[ií]a|a[uú]n|sigue|aber|noch|nicht|mais|toujours|pas"
    r"|encore|mas|ainda|n[aã]o)\b|n't\b|\?",
    re.IGNORECASE,
)


class Action:
    ANSWERED = "answered"
    HANDED_OFF = "handed_off"
    RESOLVED = "resolved"
    SKIPPED = "skipped"


@dataclass
class AgentOutcome:
    action: str
    reason: str = ""
    message: Message | None = None
    passages: list[Passage] = field(default_factory=list)


def ai_agent_procedure_set(*, conversation: Conversation, procedure_name: str) -> None:
    """Routing names the procedure that applies to this conversation ("" = choose by intent)."""
    AIConversationState.objects.update_or_create(
        conversation=conversation, defaults={"procedure_name": procedure_name[:100]}
    )


def ai_human_typing_mark(*, conversation: Conversation) -> None:
    """A human is typing in this conversation: the AI agent sends nothing for a little while."""
    until = timezone.now() + timedelta(seconds=settings.AI_HUMAN_TYPING_SECONDS)
    AIConversationState.objects.update_or_create(conversation=conversation, defaults={"human_typing_until": until})


def procedures_for(*, state: AIConversationState, intent: str) -> list[tuple[str, int, str]]:
    """(name, version number, instructions) of the global procedures plus the one that applies."""
    wanted = Procedure.objects.filter(active=True).prefetch_related("versions")
    chosen = []
    for procedure in wanted:
        applies = procedure.is_global or (
            procedure.name == state.procedure_name
            if state.procedure_name
            else procedure.intent_id is not None and procedure.intent.name == intent
        )
        current = max(procedure.versions.all(), key=lambda v: v.number, default=None)
        if applies and current:
            chosen.append((procedure.name, current.number, current.instructions))
    return chosen


def handoff_summary(*, conversation: Conversation, last: Message, reason: str, turns: int) -> str:
    """A summary a human can act on without rereading; built without the model (it may be down)."""
    c = last.classification or {}
    facts = [f"Customer {conversation.customer} on {last.get_channel_display() or 'an unknown channel'}"]
    if c.get("intent"):
        facts.append(
            f"writes in {c.get('language') or '?'}, intent {c['intent']}, sentiment {c.get('sentiment', '?')}, "
            f"urgency {c.get('urgency', '?')}"
        )
    if c.get("human_reasons"):
        facts.append("needs a person: " + ", ".join(REASON_LABELS.get(r, r).lower() for r in c["human_reasons"]))
    facts.append(f"{turns} AI answer(s) so far")
    return f"{'; '.join(facts)}. Last message: \u201c{last.text[:300]}\u201d. Handed off because: {reason}."


def _handoff(conversation: Conversation, last: Message, reason: str, turns: int, team: Team | None = None):
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.owner != Conversation.Owner.AI:
            return AgentOutcome(Action.SKIPPED, "a human already owns the conversation")
        conversation_handoff_to_human(
            conversation=locked,
            reason=reason,
            summary=handoff_summary(conversation=locked, last=last, reason=reason, turns=turns),
            team=team,
        )
    return AgentOutcome(Action.HANDED_OFF, reason)


def _mark_resolved(conversation: Conversation, how: str) -> AgentOutcome:
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.owner != Conversation.Owner.AI:
            return AgentOutcome(Action.SKIPPED, "a human already owns the conversation")
        Conversation.objects.filter(pk=locked.pk).update(ai_resolution=how, ai_resolved_at=timezone.now())
        AIConversationState.objects.filter(conversation=locked).update(ai_turns=0)
        conversation_set_status(conversation=locked, status=Conversation.Status.RESOLVED)
    return AgentOutcome(Action.RESOLVED, how)


def ai_agent_reply(*, conversation: Conversation, deadline: float | None = None) -> AgentOutcome:
    """Answer the customer's newest message, hand off, or mark the conversation resolved.

    Model calls must finish before ``deadline`` (a ``time.time()``; default: the reply deadline from
    now), else a human takes over. Idempotent: a message already answered is not answered twice.
    Safe to call for a conversation the AI does not own (it does nothing).
    """
    deadline = deadline or time.time() + settings.AI_REPLY_DEADLINE_SECONDS
    conversation = Conversation.objects.select_related("customer").get(pk=conversation.pk)
    if conversation.owner != Conversation.Owner.AI or conversation.status == Conversation.Status.RESOLVED:
        return AgentOutcome(Action.SKIPPED, "the AI agent does not own this conversation")
    last = conversation.messages.filter(direction=Message.Direction.INBOUND).order_by("-created_at", "-id").first()
    if last is None:
        return AgentOutcome(Action.SKIPPED, "no customer message to answer")
    if _answered(conversation, last):
        return AgentOutcome(Action.SKIPPED, "already answered")
    state, _ = AIConversationState.objects.get_or_create(conversation=conversation)
    if conversation.ai_resolution:  # the customer came back: it was not resolved after all
        Conversation.objects.filter(pk=conversation.pk).update(ai_resolution="", ai_resolved_at=None)

    status = ai_status()
    if not status["ready"]:
        return _handoff(conversation, last, status["message"], state.ai_turns)

    text = last.text or ""
    c = last.classification if "human_reasons" in (last.classification or {}) else None
    c = c or message_decide(message=last, deadline=deadline)
    intent = c.get("intent", "")

    # Whatever routing decided, the AI never answers what a person should (the rules may give it
    # everything); whether the knowledge base answers it is checked below on the passages themselves.
    reasons = [r for r in c.get("human_reasons") or [] if r != "unanswerable"]
    if reasons:
        reason = reasons[0]
        detail = c.get("sensitive_topic") if reason == "sensitive_topic" else (c.get("signals") or {}).get(reason)
        why = REASON_LABELS.get(reason, reason) + (f" ({detail})" if detail not in (None, "") else "")
        return _handoff(conversation, last, why, state.ai_turns)
    if state.last_grounded_answer_at and intent == "thanks" and not STILL_A_PROBLEM.search(text):
        return _mark_resolved(conversation, "confirmed")
    if state.ai_turns >= settings.AI_MAX_TURNS:
        return _handoff(conversation, last, f"{state.ai_turns} AI answers without resolution", state.ai_turns)

    query = retrieval_query(conversation)
    language = c.get("language") or conversation.customer.language or settings.AI_LANGUAGES[0]
    try:
        passages = kb_passages(text=query, language=language)
    except LLMError as exc:
        return _handoff(conversation, last, f"the sentence encoder failed ({exc})"[:200], state.ai_turns)
    best = passages[0].score if passages else 0.0
    passages = [p for p in passages if p.score >= settings.AI_MIN_RETRIEVAL_SCORE]
    if not passages:
        return _handoff(conversation, last, f"no grounded answer (best retrieval score {best:.2f})", state.ai_turns)

    procedures = procedures_for(state=state, intent=intent)
    answer = answer_compose(
        question=query,
        passages=passages,
        language=language,
        channel=last.channel,
        procedures=procedures,
        conversation_id=conversation.pk,
        deadline=deadline,
    )
    if answer.handoff_reason:
        team = _team_named(procedures) if answer.handoff_reason == PROCEDURE_HANDOFF else None
        reason = answer.handoff_reason + (f" to {team.name}" if team else "")
        return _handoff(conversation, last, reason, state.ai_turns, team=team)
    try:
        return _send(conversation, last, answer, procedures, passages)
    except ValidationError as exc:  # e.g. the customer cannot be reached on that channel any more
        return _handoff(conversation, last, f"the answer could not be sent ({'; '.join(exc.messages)})", state.ai_turns)


def _team_named(procedures: list[tuple[str, int, str]]) -> Team | None:
    """The one team the applying procedures name ("hand billing disputes to Billing"), read by code:
    the model only says that a procedure asks for a handoff, never where to."""
    text = " ".join(instructions for _, _, instructions in procedures).casefold()
    named = [team for team in Team.objects.all() if team.name.casefold() in text]
    return named[0] if len(named) == 1 else None


def _answered(conversation: Conversation, last: Message) -> bool:
    """An AI or agent reply came after the customer's message. System messages (a rule's auto-reply,
    an after-hours notice) are not answers: "our AI assistant will help you now" must be followed by one."""
    return conversation.messages.filter(
        direction=Message.Direction.OUTBOUND,
        author_kind__in=[Message.Author.AI, Message.Author.AGENT],
        created_at__gt=last.created_at,
    ).exists()


def _send(conversation, last, answer: Answer, procedures, passages) -> AgentOutcome:
    """Send the answer only if the AI still owns the conversation and no human is typing (row locked)."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().select_related("customer").get(pk=conversation.pk)
        state = AIConversationState.objects.get(conversation=locked)
        if locked.owner != Conversation.Owner.AI:
            log.info("conversation %s: a human took over while the AI was drafting; draft dropped", locked.pk)
            return AgentOutcome(Action.SKIPPED, "a human took over while the AI was drafting")
        if state.human_typing_until and state.human_typing_until > timezone.now():
            return AgentOutcome(Action.SKIPPED, "a human is typing in this conversation")
        if _answered(locked, last):
            return AgentOutcome(Action.SKIPPED, "already answered")
        if locked.messages.filter(direction=Message.Direction.INBOUND, created_at__gt=last.created_at).exists():
            # The customer wrote again while this answer was drafted; the task for that message answers both.
            return AgentOutcome(Action.SKIPPED, "a newer customer message arrived")
        message = message_append_outbound(
            conversation=locked,
            channel=last.channel or locked.last_inbound_channel,
            text=answer.text,
            author_kind=Message.Author.AI,
            metadata={
                "citations": answer.citations,
                "grounded": answer.grounded,
                "answer_method": answer.method,
                "grounding": answer.check,
                "retrieval_score": round(passages[0].score, 3),
                "procedures": [{"name": n, "version": v} for n, v, _ in procedures],
            },
        )
        state.ai_turns += 1
        state.last_grounded_answer_at = timezone.now()
        state.save(update_fields=["ai_turns", "last_grounded_answer_at"])
    return AgentOutcome(Action.ANSWERED, "grounded answer sent", message, passages)


def ai_resolution_sweep(*, now=None) -> int:
    """Mark AI conversations resolved when the customer has not replied to a grounded answer in time."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.AI_RESOLUTION_WAIT_MINUTES)
    states = AIConversationState.objects.filter(
        conversation__owner=Conversation.Owner.AI,
        conversation__ai_resolution="",
        conversation__status__in=Conversation.ACTIVE_STATUSES,
        last_grounded_answer_at__lte=cutoff,
    ).select_related("conversation")
    count = 0
    for state in states:
        conv = state.conversation
        if conv.last_inbound_at and conv.last_inbound_at > state.last_grounded_answer_at:
            continue  # the customer replied; the agent handles that reply
        count += _mark_resolved(conv, "no_reply").action == Action.RESOLVED
    return count
