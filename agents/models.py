"""The AI side's data: knowledge base, admin-written intents/procedures/topics, and every LLM call."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from pgvector.django import VectorField


class Article(models.Model):
    """A knowledge-base article, written by admins in markdown, in one language; translations point
    at their original, and retrieval counts an original and its translations as one article."""

    class Language(models.TextChoices):
        # Full-text search stems each language with its own Postgres configuration (agents/knowledge.py).
        EN = "en", "English"
        ES = "es", "Spanish"
        DE = "de", "German"
        PT = "pt", "Portuguese"
        FR = "fr", "French"

    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown")
    published = models.BooleanField(default=True)
    language = models.CharField(max_length=2, choices=Language, default=Language.EN)
    # A deleted original leaves its translations standing as articles of their own.
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text="The article this one translates (blank for an original)",
    )
    source_path = models.CharField(max_length=500, blank=True, help_text="File it was imported from")
    # sha256 of what was embedded (title, body, language, embedding model, chunking); equal to
    # article_content_hash() = up to date.
    indexed_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ArticleChunk(models.Model):
    """A passage of an article (its title + 1-3 sentences, or the title alone): the unit that is
    embedded and searched. ``search`` is built with the article language's text-search configuration."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    text = models.TextField()
    embedding = VectorField(dimensions=settings.AI_EMBEDDING_DIMENSIONS)
    search = SearchVectorField(null=True)

    class Meta:
        ordering = ["article_id", "position"]
        # No vector index: an exact scan is deterministic (an HNSW scan returned nothing once dead
        # tuples filled its ef_search window) and takes ~6 ms at 10k chunks with the vectors stored
        # inline (migration 0009). Past ~100k chunks, add HNSW back with hnsw.iterative_scan.
        indexes = [GinIndex(fields=["search"], name="agents_chunk_search_gin")]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.position}"


class IndexJob(models.Model):
    """A reindex or a folder import running in Celery; its progress is shown in the settings pages."""

    class Kind(models.TextChoices):
        REINDEX = "reindex", "Reindex"
        IMPORT = "import", "Import"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0, help_text="Articles actually (re)embedded or imported")
    payload = models.JSONField(default=list, blank=True, help_text="Files to import: [{name, content}]")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        return 100 if self.state == self.State.DONE else int(100 * self.done / self.total) if self.total else 0


class Intent(models.Model):
    """An intent the classifier may choose (admin-editable)."""

    name = models.SlugField(max_length=50, unique=True)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Example(models.Model):
    """A labelled phrase the decisions learn from: an intent's or a human reason's example.

    Defaults ship with the product; admins add their own, and a conversation marked as misrouted
    becomes one ("taught"). Decisions refit when this table changes.
    """

    class Kind(models.TextChoices):
        INTENT = "intent", "Intent"
        SIGNAL = "signal", "Reason a human must own it"

    class Source(models.TextChoices):
        DEFAULT = "default", "Shipped default"
        ADMIN = "admin", "Written by an admin"
        TAUGHT = "taught", "Taught from a conversation"

    kind = models.CharField(max_length=10, choices=Kind)
    label = models.SlugField(max_length=50, help_text="The intent's name or the signal's name")
    text = models.CharField(max_length=1000)
    language = models.CharField(max_length=5, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.ADMIN)
    conversation = models.ForeignKey(
        "inbox.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "label", "pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "label", "text"], name="example_unique_text")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.label}: {self.text[:40]}"


class SensitiveTopic(models.Model):
    """A topic the AI agent never handles itself: a message mentioning it goes to a human."""

    phrase = models.CharField(max_length=100, unique=True, help_text="Matched case-insensitively in the message")

    class Meta:
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase


class Procedure(models.Model):
    """Plain-English instructions for the AI agent: global guidance (no intent) or per intent."""

    name = models.CharField(max_length=100, unique=True)
    intent = models.OneToOneField(Intent, null=True, blank=True, on_delete=models.SET_NULL, related_name="procedure")
    is_global = models.BooleanField(default=False, help_text="Applies to every conversation")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_global", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> "ProcedureVersion | None":
        """The version in force (uses prefetched versions when a list prefetched them)."""
        return max(self.versions.all(), key=lambda v: v.number, default=None)


class ProcedureVersion(models.Model):
    """An immutable revision; the newest is in force, older ones stay for audit."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    instructions = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique")]

    def __str__(self) -> str:
        return f"{self.procedure_id} v{self.number}"


class LLMCall(models.Model):
    """One request to the model: what for, which model, tokens, latency and how it ended."""

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        ERROR = "error", "Error"
        TIMEOUT = "timeout", "Timeout"
        CANCELLED = "cancelled", "Cancelled by the user"

    purpose = models.CharField(max_length=30, db_index=True)
    model = models.CharField(max_length=100)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome)
    error = models.CharField(max_length=500, blank=True)
    conversation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.model} {self.outcome}"


class AIConversationState(models.Model):
    """The AI agent's bookkeeping for one conversation (turns, grounded answers, typing humans)."""

    conversation = models.OneToOneField("inbox.Conversation", on_delete=models.CASCADE, related_name="ai_state")
    ai_turns = models.PositiveIntegerField(default=0, help_text="AI answers since the last resolution")
    last_grounded_answer_at = models.DateTimeField(null=True, blank=True)
    human_typing_until = models.DateTimeField(null=True, blank=True)
    procedure_name = models.CharField(max_length=100, blank=True, help_text="Named by routing; blank = by intent")

    def __str__(self) -> str:
        return f"AI state of conversation {self.conversation_id}"


class AISettings(models.Model):
    """The admin's AI settings: a single row (pk 1). Blank names and URL fall back to the
    environment (AI_CHAT_MODEL, OPENAI_BASE_URL or the local model). Keys never live here."""

    SINGLETON_PK = 1

    chat_model = models.CharField(max_length=100, blank=True, help_text="Blank: AI_CHAT_MODEL from the environment")
    base_url = models.CharField(
        max_length=300, blank=True, help_text="An OpenAI-compatible /v1 URL. Blank: OPENAI_BASE_URL or the local model"
    )
    decision_model = models.CharField(
        max_length=100, blank=True, help_text="A capable model asked only for uncertain decisions. Blank: none"
    )
    band_low = models.FloatField(default=0.35, help_text="A human score from here…")
    band_high = models.FloatField(default=0.65, help_text="…to here is uncertain")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "AI settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="aisettings_singleton"),
            models.CheckConstraint(
                condition=models.Q(band_low__gte=0, band_high__lte=1, band_low__lt=models.F("band_high")),
                name="aisettings_band_in_order",
            ),
        ]

    def __str__(self) -> str:
        return "AI settings"

    def clean(self) -> None:
        errors = {}
        for name in ("band_low", "band_high"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                errors[name] = "Between 0 and 1."
        if not errors and self.band_low is not None and self.band_high is not None and self.band_low >= self.band_high:
            errors["band_high"] = "The upper end of the band must be above the lower end."
        url = urlsplit(self.base_url.strip())
        if self.base_url.strip() and (url.scheme not in ("http", "https") or not url.hostname):
            errors["base_url"] = "A full http:// or https:// URL, e.g. http://127.0.0.1:11434/v1"
        elif url.username or url.password:  # the audit trail and this page would show it
            errors["base_url"] = "No credentials in the URL: the key goes in the OPENAI_API_KEY environment variable."
        if errors:
            raise ValidationError(errors)
