"""Admin settings for the AI: model and decisions, knowledge base, import, reindex, procedures,
intents, topics, status."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Avg, Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agents import settings_services
from agents.ai_config import KEY_ENV, ai_config, ai_config_from, ai_connection_test, ai_settings_load, ai_settings_save
from agents.forms import ArticleForm, ImportForm, IntentForm, ProcedureForm, SensitiveTopicForm
from agents.kb_import import import_files_check
from agents.knowledge import article_content_hash, index_job_start
from agents.models import AISettings, Article, IndexJob, Intent, LLMCall, Procedure, SensitiveTopic
from agents.procedures import procedure_save
from agents.status import ai_status
from inbox.access import admin_required
from inbox.models import Conversation


class AISettingsForm(forms.ModelForm):
    class Meta:
        model = AISettings
        fields = ["chat_model", "base_url", "decision_model", "band_low", "band_high"]
        labels = {"band_low": "Uncertain from", "band_high": "Uncertain up to"}
        widgets = {
            "band_low": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
            "band_high": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Show what a blank field means right now.
        self.fields["chat_model"].widget.attrs["placeholder"] = settings.AI_CHAT_MODEL
        self.fields["base_url"].widget.attrs["placeholder"] = settings.OPENAI_BASE_URL or "https://api.openai.com/v1"


@admin_required
def overview(request):
    """GET: the page. POST: save the model settings; with ``test`` (htmx): try the typed values."""
    form = AISettingsForm(request.POST or None, instance=ai_settings_load())
    if request.method == "POST" and "test" in request.POST:
        return _connection_test(request, form)
    if request.method == "POST" and form.is_valid():
        ai_settings_save(values=form.cleaned_data, actor=request.user)
        messages.success(request, "Saved the AI settings.")
        return redirect("agents:settings")
    since = timezone.now() - timedelta(days=1)
    calls = (
        LLMCall.objects.filter(created_at__gte=since)
        .values("purpose")
        .annotate(
            n=Count("id"),
            failed=Count("id", filter=~Q(outcome=LLMCall.Outcome.OK)),
            tokens=Sum("prompt_tokens") + Sum("completion_tokens"),
            latency=Avg("latency_ms"),
        )
        .order_by("purpose")
    )
    resolved = Conversation.objects.exclude(ai_resolution="").values("ai_resolution").annotate(n=Count("id"))
    context = {
        "ai": ai_status(),
        "calls": calls,
        "resolved": resolved,
        "articles": Article.objects.count(),
        "jobs": IndexJob.objects.all()[:5],
        "form": form,
        "config": ai_config(),
        "key_env": KEY_ENV,
        "key_set": bool(settings.OPENAI_API_KEY),
    }
    return render(request, "agents/settings/overview.html", context, status=400 if form.errors else 200)


def _connection_test(request, form: AISettingsForm):
    """Test the values as typed, before they are saved: a wrong URL is found before it is in force."""
    if not form.is_valid():
        return render(request, "agents/settings/_connection.html", {"form_errors": form.errors}, status=400)
    check = ai_connection_test(config=ai_config_from(**form.cleaned_data))
    return render(request, "agents/settings/_connection.html", {"check": check})


@admin_required
def article_list(request):
    articles = list(Article.objects.annotate(n_chunks=Count("chunks")))
    for article in articles:
        article.up_to_date = not article.published or article.indexed_hash == article_content_hash(article)
    context = {"articles": articles, "import_form": ImportForm(), "job": IndexJob.objects.first()}
    return render(request, "agents/settings/articles.html", context)


@admin_required
def article_edit(request, pk: int | None = None):
    article = get_object_or_404(Article, pk=pk) if pk else None
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        settings_services.article_save(article=form.save(commit=False), actor=request.user)
        messages.success(request, f"Saved “{form.instance.title}”; reindexing.")
        return redirect("agents:settings_articles")
    return render(request, "agents/settings/article_form.html", {"form": form, "article": article})


@admin_required
@require_POST
def article_delete(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    settings_services.article_delete(article=article, actor=request.user)
    messages.success(request, f"Deleted “{article.title}”.")
    return redirect("agents:settings_articles")


@admin_required
@require_POST
def reindex(request):
    job = index_job_start()
    return (
        render(request, "agents/settings/_job.html", {"job": job})
        if request.htmx
        else redirect("agents:settings_articles")
    )


@admin_required
@require_POST
def article_import(request):
    uploads = request.FILES.getlist("files")
    if not uploads:
        error = "Choose a folder of .md or .html files"
        return render(request, "agents/settings/_job.html", {"error": error}, status=400)
    files = [(f.name, f.read()) for f in uploads]
    kept, skipped = import_files_check(files)
    if not kept:
        return render(
            request, "agents/settings/_job.html", {"error": "No importable files", "skipped": skipped}, status=400
        )
    job = index_job_start(kind=IndexJob.Kind.IMPORT, payload=kept)
    return render(request, "agents/settings/_job.html", {"job": job, "skipped": skipped})


@admin_required
def job_progress(request, pk: int):
    return render(request, "agents/settings/_job.html", {"job": get_object_or_404(IndexJob, pk=pk)})


@admin_required
def procedure_list(request):
    procedures = Procedure.objects.select_related("intent").prefetch_related("versions")
    return render(request, "agents/settings/procedures.html", {"procedures": procedures})


@admin_required
def procedure_edit(request, pk: int | None = None):
    procedure = get_object_or_404(Procedure, pk=pk) if pk else None
    current = procedure.current if procedure else None
    form = ProcedureForm(
        request.POST or None, instance=procedure, initial={"instructions": current.instructions if current else ""}
    )
    if request.method == "POST" and form.is_valid():
        version = procedure_save(
            procedure=form.instance, instructions=form.cleaned_data["instructions"], author=request.user
        )
        messages.success(request, f"Saved version {version.number}." if version else "Saved (instructions unchanged).")
        return redirect("agents:settings_procedures")
    versions = procedure.versions.select_related("author") if procedure else []
    return render(
        request, "agents/settings/procedure_form.html", {"form": form, "procedure": procedure, "versions": versions}
    )


@admin_required
def intent_list(request):
    intent_form = IntentForm(request.POST if request.POST.get("form") == "intent" else None)
    topic_form = SensitiveTopicForm(request.POST if request.POST.get("form") == "topic" else None)
    if request.method == "POST":
        form = intent_form if request.POST.get("form") == "intent" else topic_form
        if form.is_valid():
            if form is intent_form:
                settings_services.intent_save(intent=form.save(commit=False), actor=request.user)
            else:
                settings_services.topic_save(topic=form.save(commit=False), actor=request.user)
            return redirect("agents:settings_intents")
    context = {
        "intents": Intent.objects.all(),
        "topics": SensitiveTopic.objects.all(),
        "intent_form": intent_form,
        "topic_form": topic_form,
    }
    return render(request, "agents/settings/intents.html", context, status=400 if request.method == "POST" else 200)


@admin_required
@require_POST
def intent_toggle(request, pk: int):
    intent = get_object_or_404(Intent, pk=pk)
    settings_services.intent_active_set(intent=intent, active=not intent.active, actor=request.user)
    return redirect("agents:settings_intents")


@admin_required
@require_POST
def topic_delete(request, pk: int):
    settings_services.topic_delete(topic=get_object_or_404(SensitiveTopic, pk=pk), actor=request.user)
    return redirect("agents:settings_intents")
