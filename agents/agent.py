"""The autonomous AI agent: answers conversations routing gave it, or hands them to humans.

It answers only from retrieved articles, the conversation and the admins' procedures. It hands
off (with a reason and a summary note, through inbox's normal handoff) when the customer asks
for a person, sounds negative, mentions a sensitive topic, has had AI_MAX_TURNS answers without
resolution, when nothing in the knowledge base grounds an answer, or when the model fails.

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

from agents.classification import message_classify
from agents.knowledge import Passage, kb_search, sources_block
from agents.llm import LLMError, chat_structured
from agents.models import AIConversationState, Procedure, SensitiveTopic
from agents.prompts import conversation_transcript, retrieval_query
from agents.status import ai_status
from inbox.models import Conversation, Message, Team
from inbox.services import conversation_handoff_to_human, conversation_set_status, message_append_outbound

log = logging.getLogger(__name__)

ASKS_FOR_PERSON = re.compile(
    r"\b(human|real person|a person|someone real|agent|representative|operator|speak to (someone|somebody)|"
    r"talk to (someone|somebody)|call me)\b",
    re.IGNORECASE,
)
FRUSTRATION = re.compile(
    r"\b(useless|ridiculous|terrible|awful|furious|angry|unacceptable|worst|scam|fed up|waste of time)\b|!!!",
    re.IGNORECASE,
)
CONFIRMS = re.compile(
    r"\b(thanks?|thank you|that (worked|helped|solved it|fixed it)|works now|all good|problem solved|perfect)\b",
    re.IGNORECASE,
)

STILL_BROKEN = re.compile(r"\b(but|still|not|doesn'?t|didn'?t|isn'?t|won'?t|no longer|however)\b|\?", re.IGNORECASE)


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


ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "description": "The reply to the customer, citing sources as [1], [2]"},
        "grounded": {"type": "boolean", "description": "true only if the sources contain the answer"},
        "citations": {"type": "array", "items": {"type": "integer"}},
        "handoff": {"type": "boolean", "description": "true when the procedure says to hand off now"},
        "handoff_team": {"type": "string", "description": "team named by the procedure, or empty"},
    },
    "required": ["answer", "grounded", "citations", "handoff", "handoff_team"],
    "additionalProperties": False,
}


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
        facts.append(f"intent {c['intent']}, sentiment {c.get('sentiment', '?')}, urgency {c.get('urgency', '?')}")
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
    c = last.classification if last.classification and "error" not in last.classification else None
    c = c or message_classify(message=last, deadline=deadline)
    intent = c.get("intent", "")

    if intent == "human_request" or ASKS_FOR_PERSON.search(text):
        return _handoff(conversation, last, "the customer asked for a person", state.ai_turns)
    topic = next((t.phrase for t in SensitiveTopic.objects.all() if t.phrase.lower() in text.lower()), None)
    if topic:
        return _handoff(conversation, last, f"sensitive topic: {topic}", state.ai_turns)
    if c.get("sentiment") == "negative" or FRUSTRATION.search(text):
        return _handoff(conversation, last, "negative sentiment or frustration", state.ai_turns)
    confirms = intent == "thanks" or CONFIRMS.search(text)
    if state.last_grounded_answer_at and confirms and not STILL_BROKEN.search(text):
        return _mark_resolved(conversation, "confirmed")
    if state.ai_turns >= settings.AI_MAX_TURNS:
        return _handoff(conversation, last, f"{state.ai_turns} AI answers without resolution", state.ai_turns)

    try:
        passages = kb_search(query=retrieval_query(conversation))
    except LLMError as exc:
        return _handoff(conversation, last, f"the AI model failed ({exc})"[:200], state.ai_turns)
    best = passages[0].score if passages else 0.0
    passages = [p for p in passages if p.score >= settings.AI_MIN_RETRIEVAL_SCORE]
    if not passages:
        return _handoff(conversation, last, f"no grounded answer (best retrieval score {best:.2f})", state.ai_turns)

    procedures = procedures_for(state=state, intent=intent)
    messages = agent_prompt(conversation=conversation, passages=passages, procedures=procedures, channel=last.channel)
    try:
        draft = chat_structured(
            purpose="agent_reply",
            messages=messages,
            schema=ANSWER_SCHEMA,
            schema_name="agent_reply",
            conversation_id=conversation.pk,
            deadline=deadline,
        )
    except LLMError as exc:
        why = "the AI model timed out" if exc.timeout else "the AI model failed"
        return _handoff(conversation, last, why, state.ai_turns)

    answer = str(draft.get("answer") or "").strip()
    if draft.get("handoff"):
        team = Team.objects.filter(name__iexact=str(draft.get("handoff_team") or "").strip()).first()
        reason = "the procedure says to hand off" + (f" to {team.name}" if team else "")
        return _handoff(conversation, last, reason, state.ai_turns, team=team)
    if not draft.get("grounded") or not answer:
        return _handoff(conversation, last, "the model could not ground an answer in the articles", state.ai_turns)

    cited = sorted({n for n in draft.get("citations") or [] if isinstance(n, int) and 1 <= n <= len(passages)})
    citations = [{"n": n, "article_id": passages[n - 1].article_id, "title": passages[n - 1].title} for n in cited]
    try:
        return _send(conversation, last, answer, citations, procedures, passages)
    except ValidationError as exc:  # e.g. the customer cannot be reached on that channel any more
        return _handoff(conversation, last, f"the answer could not be sent ({'; '.join(exc.messages)})", state.ai_turns)


def _answered(conversation: Conversation, last: Message) -> bool:
    """An AI or agent reply came after the customer's message. System messages (a rule's auto-reply,
    an after-hours notice) are not answers: "our AI assistant will help you now" must be followed by one."""
    return conversation.messages.filter(
        direction=Message.Direction.OUTBOUND,
        author_kind__in=[Message.Author.AI, Message.Author.AGENT],
        created_at__gt=last.created_at,
    ).exists()


def _send(conversation, last, answer, citations, procedures, passages) -> AgentOutcome:
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
            text=answer,
            author_kind=Message.Author.AI,
            metadata={
                "citations": citations,
                "grounded": True,
                "retrieval_score": round(passages[0].score, 3),
                "procedures": [{"name": n, "version": v} for n, v, _ in procedures],
            },
        )
        state.ai_turns += 1
        state.last_grounded_answer_at = timezone.now()
        state.save(update_fields=["ai_turns", "last_grounded_answer_at"])
    return AgentOutcome(Action.ANSWERED, "grounded answer sent", message, passages)


def agent_prompt(*, conversation: Conversation, passages: list[Passage], procedures: list, channel: str) -> list[dict]:
    from agents.prompts import channel_style

    rules = "\n".join(f"- {name} (v{number}): {text}" for name, number, text in procedures) or "- (none)"
    system = (
        "You are the support team's AI agent. Answer ONLY from the numbered sources below; cite them as [1], [2]. "
        "If the sources do not contain the answer, set grounded to false. Never invent policies, prices or dates. "
        f"{channel_style(channel)}\nProcedures written by the support admins (follow them):\n{rules}\n\n"
        f"Sources:\n{sources_block(passages)}"
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": conversation_transcript(conversation=conversation)},
    ]


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
