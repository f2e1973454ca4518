"""Why the conversation went where it did (signals, scores, nearest examples, the rule), and
the button that teaches the decision when it was wrong."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from agents.example_services import message_teach
from agents.examples import HUMAN_REASONS, REASON_LABELS
from agents.models import Intent
from inbox.access import agent_required, check_conversation_see
from inbox.models import Conversation, Message


def _latest_decided(conversation: Conversation) -> Message | None:
    return (
        conversation.messages.filter(direction=Message.Direction.INBOUND, classification__has_key="human_reasons")
        .order_by("-created_at", "-id")
        .first()
    )


def _panel(request, conversation: Conversation, *, notice: str = "", error: str = "", status: int = 200):
    message = _latest_decided(conversation)
    decision = message.classification if message else {}
    routing = (
        conversation.messages.filter(direction=Message.Direction.EVENT, text__contains="by rule")
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)
        .first()
    )
    signals = sorted((decision.get("signals") or {}).items(), key=lambda kv: -kv[1])
    context = {
        "conversation": conversation,
        "message": message,
        "decision": decision,
        "signals": [(name, REASON_LABELS.get(name, name), score, round(score * 100)) for name, score in signals],
        "routing": routing or "",
        "reasons": [(r, REASON_LABELS[r]) for r in HUMAN_REASONS],
        "intents": Intent.objects.filter(active=True).exclude(name="human_request").values_list("name", flat=True),
        "notice": notice,
        "error": error,
    }
    return render(request, "agents/_decision.html", context, status=status)


@agent_required
@require_GET
def decision_panel(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_see(request.user, conversation)
    return _panel(request, conversation)


@agent_required
@require_POST
def decision_teach(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_see(request.user, conversation)
    message = _latest_decided(conversation)
    if message is None:
        return _panel(request, conversation, error="No decided customer message to learn from", status=400)
    try:
        example = message_teach(message=message, verdict=request.POST.get("verdict", ""), actor=request.user)
    except ValidationError as exc:
        return _panel(request, conversation, error="; ".join(exc.messages), status=400)
    label = example.label.replace("_", " ")
    notice = f"Learned: messages like this one are “{label}”; the next similar one is decided so."
    return _panel(request, conversation, notice=notice)
