"""The AI settings in force: the admin's AISettings row over the environment's defaults.

Every model call and decision reads them, so they are cached per process for a few seconds; a
save clears this process's copy at once and the other processes (workers) see it within
CACHE_SECONDS. The API key comes only from the environment (KEY_ENV): nothing here stores,
logs or shows it.
"""

import re
import time
from dataclasses import dataclass, field

import openai
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction

from agents.models import AISettings
from inbox.audit.services import audit_record, audit_snapshot

KEY_ENV = "OPENAI_API_KEY"
CACHE_SECONDS = 5.0
FIELDS = ["chat_model", "base_url", "decision_model", "band_low", "band_high"]
# Keyless local servers (llama.cpp, Ollama) ignore the key, but the SDK insists on one.
NO_KEY = "local-no-key"
_cache: dict = {}


@dataclass(frozen=True)
class AIConfig:
    chat_model: str
    base_url: str  # "" = the SDK's default (api.openai.com)
    decision_model: str  # "" = no capable model: uncertain decisions go to a person
    band_low: float
    band_high: float
    api_key: str = field(default="", repr=False)

    @property
    def local(self) -> bool:
        """The local demo model (agents/localmodel.py) answers."""
        return settings.AI_LOCAL_MODEL and self.base_url == settings.OPENAI_BASE_URL


def ai_config_from(
    *, chat_model: str = "", base_url: str = "", decision_model: str = "", band_low: float, band_high: float
) -> AIConfig:
    """The config for these values (blank ones from the environment), saved or not."""
    return AIConfig(
        chat_model=chat_model.strip() or settings.AI_CHAT_MODEL,
        base_url=base_url.strip() or settings.OPENAI_BASE_URL,
        decision_model=decision_model.strip(),
        band_low=band_low,
        band_high=band_high,
        api_key=settings.OPENAI_API_KEY,
    )


def ai_config() -> AIConfig:
    # The environment's values are part of the key: a changed setting (tests) is never served stale.
    key = (settings.AI_CHAT_MODEL, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY, settings.AI_LOCAL_MODEL)
    cached = _cache.get("config")
    if cached and cached[0] == key and cached[1] > time.monotonic():
        return cached[2]
    defaults = AISettings()
    try:
        row = AISettings.objects.filter(pk=AISettings.SINGLETON_PK).first() or defaults
    except DatabaseError:  # not migrated yet (a process started before `migrate`): the environment's
        return ai_config_from(band_low=defaults.band_low, band_high=defaults.band_high)
    config = ai_config_from(**{name: getattr(row, name) for name in FIELDS})
    _cache["config"] = (key, time.monotonic() + CACHE_SECONDS, config)
    return config


def ai_config_clear() -> None:
    _cache.pop("config", None)


def ai_settings_load() -> AISettings:
    """The row to edit (unsaved defaults when no admin saved any yet)."""
    return AISettings.objects.filter(pk=AISettings.SINGLETON_PK).first() or AISettings(pk=AISettings.SINGLETON_PK)


def ai_settings_save(*, values: dict, actor: AbstractBaseUser) -> AISettings:
    """Save validated ``values`` (the FIELDS) and record the change in the audit trail."""
    with transaction.atomic():
        row, _ = AISettings.objects.select_for_update().get_or_create(pk=AISettings.SINGLETON_PK)
        before = audit_snapshot(row, FIELDS)
        for name in FIELDS:
            setattr(row, name, values[name])
        row.full_clean()
        row.save()
        after = audit_snapshot(row, FIELDS)
        if after != before:
            audit_record(actor=actor, action="ai_settings.updated", target=row, before=before, after=after)
        transaction.on_commit(ai_config_clear)  # a read inside this transaction must not linger either
    ai_config_clear()
    return row


def openai_client(config: AIConfig, *, timeout: float, retries: int) -> openai.OpenAI:
    """The SDK client for ``config`` (the one place one is built; agents.llm adds the deadlines)."""
    return openai.OpenAI(
        api_key=config.api_key or NO_KEY, base_url=config.base_url or None, timeout=timeout, max_retries=retries
    )


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    base_url: str
    model: str
    latency_ms: int = 0  # the 1-token answer
    models_ms: int = 0
    models: tuple[str, ...] = ()
    error: str = ""
    notes: tuple[str, ...] = ()


def ai_connection_test(*, config: AIConfig, timeout: float = 20.0) -> ConnectionCheck:
    """List the server's models, then ask ``config.chat_model`` for one token: what an admin
    needs to know before saving a URL. Never raises for the server's failures; says what failed."""
    client = openai_client(config, timeout=timeout, retries=0)
    shown_url = config.base_url or "https://api.openai.com/v1"
    step, models_ms, listed = "listing the models", 0, ()
    try:
        started = time.monotonic()
        listed = tuple(model.id for model in client.models.list())
        models_ms = _ms(started)
        step = f"asking “{config.chat_model}” for one token"
        started = time.monotonic()
        client.chat.completions.create(
            model=config.chat_model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=1, temperature=0
        )
        latency_ms = _ms(started)
    except openai.OpenAIError as exc:
        error = f"Failed {step}: {_explain(exc, shown_url, timeout)}"
        return ConnectionCheck(
            ok=False, base_url=shown_url, model=config.chat_model, models_ms=models_ms, models=listed[:20],
            error=_redact(error, config.api_key),
        )  # fmt: skip
    notes = tuple(
        f"The server does not list the {role} “{name}” (some servers, llama.cpp among them, answer any name)."
        for role, name in (("chat model", config.chat_model), ("decision model", config.decision_model))
        if name and listed and name not in listed
    )
    return ConnectionCheck(
        ok=True, base_url=shown_url, model=config.chat_model, latency_ms=latency_ms, models_ms=models_ms,
        models=listed[:20], notes=notes,
    )  # fmt: skip


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _explain(exc: openai.OpenAIError, url: str, timeout: float) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return f"no answer from {url} within {timeout:.0f} s"
    if isinstance(exc, openai.APIConnectionError):
        return f"could not connect to {url} ({exc.__cause__ or exc})"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        key = "is set" if settings.OPENAI_API_KEY else "is not set"
        return f"the server refused the key (HTTP {exc.status_code}); {KEY_ENV} {key} in the environment"
    if isinstance(exc, openai.NotFoundError):
        return f"HTTP 404 at {url}: a wrong model name, or not an OpenAI-compatible /v1 URL"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {exc.message}"[:400]
    return f"{type(exc).__name__}: {exc}"[:400]


def _redact(text: str, key: str) -> str:
    """Providers echo part of a refused key; the page must never show any of it."""
    if key:
        text = text.replace(key, "***")
    return re.sub(r"sk-[\w*\-.]{4,}", "sk-***", text)
