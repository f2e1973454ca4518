"""Copilot HTML endpoints (summary, rewrite, typing), the article reader, and a small copilot test page."""

import markdown
import nh3
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from agents.agent import ai_human_typing_mark
from agents.copilot import REWRITES, conversation_summarise, text_rewrite
from agents.llm import LLMError
from agents.models import Article
from agents.status import ai_status
from inbox.access import agent_required, check_conversation_see
from inbox.models import Conversation


def _result(request, *, text: str = "", error: str = "", status: int = 200, kind: str = "summary"):
    return render(request, "agents/_copilot_result.html", {"text": text, "error": error, "kind": kind}, status=status)


@agent_required
def copilot_page(request, pk: int):
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=pk)
    check_conversation_see(request.user, conversation)
    return render(
        request, "agents/copilot_page.html", {"conversation": conversation, "rewrites": REWRITES, "ai": ai_status()}
    )


@agent_required
@require_POST
def summary(request, pk: int):
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=pk)
    check_conversation_see(request.user, conversation)
    status = ai_status()
    if not status["ready"]:
        return _result(request, error=status["message"], status=503)
    try:
        text = conversation_summarise(conversation=conversation)
    except LLMError as exc:
        return _result(request, error=f"The AI model did not answer: {exc}"[:300], status=502)
    return _result(request, text=text)


@agent_required
@require_POST
def rewrite(request, pk: int):
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=pk)
    check_conversation_see(request.user, conversation)
    style = request.POST.get("style", "")
    if style not in REWRITES:
        return _result(request, error=f"Unknown rewrite {style!r}", status=400, kind="rewrite")
    if not request.POST.get("text", "").strip():
        return _result(request, error="Write something to rewrite first", status=400, kind="rewrite")
    status = ai_status()
    if not status["ready"]:
        return _result(request, error=status["message"], status=503, kind="rewrite")
    try:
        text = text_rewrite(conversation=conversation, text=request.POST["text"], style=style)
    except LLMError as exc:
        return _result(request, error=f"The AI model did not answer: {exc}"[:300], status=502, kind="rewrite")
    return _result(request, text=text, kind="rewrite")


@agent_required
@require_POST
def typing(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_see(request.user, conversation)
    ai_human_typing_mark(conversation=conversation)
    return HttpResponse(status=204)


@agent_required
def status_badge(request):
    return render(request, "agents/_status_badge.html", {"ai": ai_status()})


@agent_required
def article_public(request, pk: int):
    article = get_object_or_404(Article, pk=pk, published=True)
    body = nh3.clean(markdown.markdown(article.body))
    return render(request, "agents/article.html", {"article": article, "body": body})
