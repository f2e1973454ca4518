"""QA review queue for admins: flags to acknowledge, knowledge gaps to write up, compliance phrases."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from inbox.access import admin_required
from inbox.qa.models import CompliancePhrase, QaFlag
from inbox.qa.services import compliance_phrase_add, compliance_phrase_remove, qa_flag_acknowledge

PAGE = 100


def _article_editor_url(question: str) -> str:
    """The knowledge-base editor, prefilled with the question customers asked."""
    try:
        base = reverse("agents:article_create")
    except NoReverseMatch:
        base = reverse("admin:agents_article_add")
    return f"{base}?{urlencode({'title': question[:200]})}"


@admin_required
def queue(request):
    kind = request.GET.get("kind", "")
    flags = QaFlag.objects.filter(acknowledged_at__isnull=True).exclude(kind=QaFlag.Kind.KNOWLEDGE_GAP)
    if kind in QaFlag.Kind.values:
        flags = flags.filter(kind=kind)
    gaps = (
        QaFlag.objects.filter(kind=QaFlag.Kind.KNOWLEDGE_GAP, acknowledged_at__isnull=True)
        .values("topic")
        .annotate(asked=Count("pk"), example=Max("detail"), last=Max("created_at"))
        .order_by("-asked", "-last")
    )
    context = {
        "flags": flags.select_related("conversation__customer")[:PAGE],
        "counts": dict(QaFlag.objects.filter(acknowledged_at__isnull=True).values_list("kind").annotate(n=Count("pk"))),
        "kinds": QaFlag.Kind.choices,
        "kind": kind,
        "gaps": [{**g, "write_url": _article_editor_url(g["example"])} for g in gaps[:PAGE]],
        "phrases": CompliancePhrase.objects.all(),
        "who": CompliancePhrase.Who.choices,
    }
    return render(request, "qa/queue.html", context)


@admin_required
@require_POST
def acknowledge(request, pk: int):
    flag = get_object_or_404(QaFlag, pk=pk)
    try:
        qa_flag_acknowledge(flag=flag, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if request.htmx:
        return render(request, "qa/_flag.html", {"flag": flag})
    return redirect("qa:queue")


@admin_required
@require_POST
def gap_close(request):
    topic = request.POST.get("topic", "")
    for flag in QaFlag.objects.filter(kind=QaFlag.Kind.KNOWLEDGE_GAP, topic=topic, acknowledged_at__isnull=True):
        qa_flag_acknowledge(flag=flag, actor=request.user, note=request.POST.get("note", "Answered in the KB"))
    return redirect("qa:queue")


@admin_required
@require_POST
def phrase_add(request):
    try:
        compliance_phrase_add(
            phrase=request.POST.get("phrase", ""),
            label=request.POST.get("label", ""),
            said_by=request.POST.get("said_by", CompliancePhrase.Who.BUSINESS),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("qa:queue")


@admin_required
@require_POST
def phrase_remove(request, pk: int):
    compliance_phrase_remove(item=get_object_or_404(CompliancePhrase, pk=pk), actor=request.user)
    return redirect("qa:queue")
