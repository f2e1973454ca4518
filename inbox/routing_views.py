"""Agent actions on ownership from the conversation page: take over from the AI, hand back to it.

Thin: parse, check, call the service; htmx gets 204 (the timeline refreshes from the realtime
event), a plain form post is redirected back to the conversation.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from inbox.access import agent_required, check_conversation_act
from inbox.handback import conversation_handback_to_ai
from inbox.models import Conversation
from inbox.services import conversation_assign


def _done(request, pk: int, error: str = ""):
    if error:
        return HttpResponse(error, status=400)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect("inbox:conversation", pk=pk)


@agent_required
@require_POST
def conversation_take_over(request, pk: int):
    """The agent takes the conversation; the AI stops answering at once."""
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_act(request.user, conversation)
    name = request.user.get_full_name() or request.user.get_username()
    conversation_assign(
        conversation=conversation,
        owner=Conversation.Owner.HUMAN,
        assignee=request.user,
        actor=request.user,
        reason=f"by {name}, who took it over" + (" from the AI agent" if conversation.owner == "ai" else ""),
    )
    return _done(request, pk)


@agent_required
@require_POST
def conversation_handback(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_act(request.user, conversation)
    try:
        conversation_handback_to_ai(
            conversation=conversation,
            actor=request.user,
            note=request.POST.get("note", ""),
            procedure=request.POST.get("procedure", ""),
        )
    except ValidationError as exc:
        return _done(request, pk, " ".join(exc.messages))
    return _done(request, pk)
