"""The labelled examples page: what each intent and each reason a human must own it learns from,
by language, with the admin's own phrases added or removed here (refit on the next message)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agents.example_services import example_add, example_delete
from agents.examples import REASON_LABELS, SIGNALS
from agents.models import Example, Intent
from inbox.access import admin_required


def _labels() -> list[dict]:
    """Every label with its example count per language (one query), intents first."""
    counts = {
        (row["kind"], row["label"]): row
        for row in Example.objects.values("kind", "label").annotate(
            total=Count("id"), **{lang: Count("id", filter=Q(language=lang)) for lang in settings.AI_LANGUAGES}
        )
    }
    labels = [(Example.Kind.INTENT, name, description) for name, description in
              Intent.objects.filter(active=True).values_list("name", "description")]  # fmt: skip
    labels += [(Example.Kind.SIGNAL, name, REASON_LABELS.get(name, name.capitalize())) for name in SIGNALS]
    return [
        {"kind": kind, "label": label, "description": description,
         "counts": [counts.get((kind, label), {}).get(lang, 0) for lang in settings.AI_LANGUAGES],
         "total": counts.get((kind, label), {}).get("total", 0)}
        for kind, label, description in labels
    ]  # fmt: skip


@admin_required
def example_list(request):
    labels = _labels()
    kind = request.GET.get("kind") or request.POST.get("kind") or Example.Kind.INTENT
    label = request.GET.get("label") or request.POST.get("label") or (labels[0]["label"] if labels else "")
    error, status = "", 200
    if request.method == "POST":
        try:
            example_add(kind=kind, label=label, text=request.POST.get("text", ""), actor=request.user)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
        else:
            messages.success(request, f"Added an example of {label}; the next message is decided with it.")
            return redirect(f"{reverse('agents:settings_examples')}?kind={kind}&label={label}")
    examples = Example.objects.filter(kind=kind, label=label).order_by("language", "text")
    context = {"labels": labels, "languages": settings.AI_LANGUAGES, "kind": kind, "label": label, "examples": examples,
               "error": error, "text": request.POST.get("text", "")}  # fmt: skip
    return render(request, "agents/settings/examples.html", context, status=status)


@admin_required
@require_POST
def example_remove(request, pk: int):
    example = get_object_or_404(Example, pk=pk)
    example_delete(example=example, actor=request.user)
    messages.success(request, f"Removed “{example.text[:60]}” from {example.label}.")
    return redirect(f"{reverse('agents:settings_examples')}?kind={example.kind}&label={example.label}")
