"""Settings, all read from the environment (documented in .env.example).

Without DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis under var/ are started
(see config/embedded.py); with them, those servers are used and nothing is started.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not env.bool("TESTING", default=False):
        raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-dev-only-key-never-use-in-production"  # noqa: S105 - DEBUG/tests only

PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
_public = urlparse(PUBLIC_BASE_URL)
if _public.hostname and _public.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public.hostname)
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "inbox",
    "agents",
    "channels_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ----- PostgreSQL and Redis -------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL", default="")
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED_SERVERS = not (DATABASE_URL and REDIS_URL)
if EMBEDDED_SERVERS:
    from config import embedded

    _servers = embedded.servers()
    DATABASE_URL = DATABASE_URL or _servers.postgres_url()
    REDIS_URL = REDIS_URL or _servers.redis_url()

_db = environ.Env.db_url_config(DATABASE_URL)
if not _db["HOST"] and "host" in _db["OPTIONS"]:  # a Unix socket folder given as ?host=
    _db["HOST"] = _db["OPTIONS"].pop("host")
_db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
_db["CONN_HEALTH_CHECKS"] = True
# A psycopg connection pool instead of a new PostgreSQL connection per request (the biggest part of
# a webhook's answer time). On by default in the web processes (config/asgi.py sets DATABASE_POOL),
# off elsewhere: Celery's prefork children and management commands gain little from it.
if env.bool("DATABASE_POOL", default=False):
    _db["CONN_MAX_AGE"] = 0  # Django's pool returns connections at the end of each request itself
    _db["OPTIONS"]["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=16),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Test workers (pytest-xdist), and test runs side by side (TEST_RUN_ID), share one Redis: keep their
# keys and groups apart.
_REDIS_NAMESPACE = "inbox" + os.environ.get("TEST_RUN_ID", "") + os.environ.get("PYTEST_XDIST_WORKER", "")

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "config.channel_layer.InboxChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": _REDIS_NAMESPACE, "capacity": 500},
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": _REDIS_NAMESPACE,
    }
}

# kombu spells a Unix socket redis+socket://
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1)
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{_REDIS_NAMESPACE}:"}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# An agent's reply must not wait behind the AI's slow calls (seconds each with a small model; on
# a first `make run` the demo's backlog held replies in "Sending" for minutes): replies have their
# own queue, which every worker consumes first (queues listed here, in this order).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("replies", routing_key="replies"), Queue("celery", routing_key="celery"))
CELERY_TASK_ROUTES = {"channels_app.delivery.message_deliver": {"queue": "replies"}}
CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] = "priority"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE: dict = {
    "metrics-facts": {"task": "inbox.metrics.tasks.conversation_facts_refresh_task", "schedule": 60.0},
    "qa-scan": {"task": "inbox.qa.tasks.qa_scan_task", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE["sla-check"] = {"task": "inbox.tasks.sla_check_due", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["backlog-drain"] = {"task": "inbox.tasks.backlog_drain_all", "schedule": 60.0}
# Inbound messages whose pipeline task never ran (the broker was down when they arrived).
INBOUND_PIPELINE_STUCK_AFTER_SECONDS = env.int("INBOUND_PIPELINE_STUCK_AFTER_SECONDS", default=120)
CELERY_BEAT_SCHEDULE["inbound-pipeline-sweep"] = {"task": "inbox.tasks.inbound_pipeline_sweep", "schedule": 60.0}

# ----- auth, i18n, static ---------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Support <support@localhost>")
# The support mailbox customers write to; reply addresses are its +tags. Default: DEFAULT_FROM_EMAIL's address.
SUPPORT_EMAIL_ADDRESS = env("SUPPORT_EMAIL_ADDRESS", default="")
# Inbound SMTP receiver (`manage.py email_receive_smtp`): where your MX / relay delivers customer mail.
EMAIL_INBOUND_SMTP_HOST = env("EMAIL_INBOUND_SMTP_HOST", default="127.0.0.1")
EMAIL_INBOUND_SMTP_PORT = env.int("EMAIL_INBOUND_SMTP_PORT", default=1026)
EMAIL_INBOUND_MAX_BYTES = env.int("EMAIL_INBOUND_MAX_BYTES", default=25 * 1024 * 1024)
# Demo only: the SMTP sink (`manage.py email_sink`, on EMAIL_HOST:EMAIL_PORT) keeps outgoing mail here.
EMAIL_SINK_DIR = Path(env("EMAIL_SINK_DIR", default=str(BASE_DIR / "var" / "mailsink")))

# Chat widget. The host site signs a visitor's email with this secret (HMAC-SHA256, hex) to identify them.
WIDGET_IDENTITY_SECRET = env("WIDGET_IDENTITY_SECRET", default="")
if not WIDGET_IDENTITY_SECRET and DEBUG:
    WIDGET_IDENTITY_SECRET = "insecure-dev-only-widget-secret"  # noqa: S105 - so the demo store can sign in
# Origins (scheme://host[:port]) whose pages may open the widget's socket; "*" allows every site.
WIDGET_ALLOWED_ORIGINS = env.list("WIDGET_ALLOWED_ORIGINS", default=["*"])
# The demo storefront and customer simulator pages (/demo/store/, /simulator/): never in production.
DEMO_SIMULATOR = env.bool("DEMO_SIMULATOR", default=DEBUG)

# ----- domain ----------------------------------------------------------------------------

PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="US")

CSAT_ENABLED = env.bool("CSAT_ENABLED", default=True)
CSAT_DELAY_SECONDS = env.int("CSAT_DELAY_SECONDS", default=60)
CSAT_COOLDOWN_DAYS = env.int("CSAT_COOLDOWN_DAYS", default=7)
CSAT_ANSWER_DAYS = env.int("CSAT_ANSWER_DAYS", default=3)
CSAT_LINK_DAYS = env.int("CSAT_LINK_DAYS", default=14)

WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=5)
# ----- Twilio: WhatsApp and SMS (see .env.example) ---------------------------------------
# Without real credentials the app talks to the local stand-in (channels_app/standins/).
TWILIO_STANDIN_PORT = env.int("TWILIO_STANDIN_PORT", default=8791)
_TWILIO_REAL = bool(env("TWILIO_ACCOUNT_SID", default=""))  # real credentials: real Twilio unless told otherwise
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="AC" + "0" * 32)
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="standin-auth-token")
TWILIO_API_BASE_URL = env(
    "TWILIO_API_BASE_URL",
    default="https://api.twilio.com" if _TWILIO_REAL else f"http://127.0.0.1:{TWILIO_STANDIN_PORT}",
).rstrip("/")
TWILIO_WHATSAPP_FROM = env("TWILIO_WHATSAPP_FROM", default="+14155238886")
TWILIO_SMS_FROM = env("TWILIO_SMS_FROM", default="+15005550006")
TWILIO_HTTP_TIMEOUT = env.float("TWILIO_HTTP_TIMEOUT", default=10.0)
TWILIO_MEDIA_MAX_BYTES = env.int("TWILIO_MEDIA_MAX_BYTES", default=16 * 1024 * 1024)
TWILIO_MEDIA_ALLOWED_TYPES = env.list(
    "TWILIO_MEDIA_ALLOWED_TYPES",
    default=["image/jpeg", "image/png", "image/gif", "image/webp", "audio/ogg", "audio/mpeg", "audio/amr",
             "video/mp4", "application/pdf", "text/vcard", "text/x-vcard"],
)  # fmt: skip
TWILIO_MEDIA_TIMEOUT = env.float("TWILIO_MEDIA_TIMEOUT", default=20.0)
WHATSAPP_WINDOW_HOURS = 24
DELIVERY_STUCK_AFTER_MINUTES = env.int("DELIVERY_STUCK_AFTER_MINUTES", default=5)
DELIVERY_MAX_RETRIES = env.int("DELIVERY_MAX_RETRIES", default=5)
PHONE_SIMULATOR = env.bool("PHONE_SIMULATOR", default=False)  # the demo's /simulator/phone/, always on in DEBUG
CELERY_BEAT_SCHEDULE["delivery-recover-stuck"] = {
    "task": "channels_app.delivery.delivery_recover_stuck",
    "schedule": 60.0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"refusals": {"()": "config.log_filters.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
LOGGING["loggers"]["twilio.http_client"] = {"level": "WARNING"}  # it logs every request's headers at INFO

# ----- AI (agents/) ----------------------------------------------------------------------
# Any OpenAI-compatible server. Without a key or base URL, `make run` starts the local demo model
# (Qwen2.5-Coder-1.5B in llama.cpp's server, agents/localmodel.py) on LOCAL_LLM_PORT and points the
# client at it. Admins can override the model names and base URL on the AI settings page.
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
LOCAL_LLM_PORT = env.int("LOCAL_LLM_PORT", default=8765)
LOCAL_LLM_THREADS = env.int("LOCAL_LLM_THREADS", default=2)
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="")
AI_LOCAL_MODEL = not (OPENAI_API_KEY or OPENAI_BASE_URL)
if AI_LOCAL_MODEL:
    OPENAI_BASE_URL = f"http://127.0.0.1:{LOCAL_LLM_PORT}/v1"
AI_CHAT_MODEL = env("AI_CHAT_MODEL", default="qwen2.5-1.5b" if AI_LOCAL_MODEL else "gpt-4o-mini")
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=60.0 if AI_LOCAL_MODEL else 30.0)
AI_MAX_RETRIES = env.int("AI_MAX_RETRIES", default=1)
# A customer writing to the AI agent gets an answer or a human within this many seconds, whatever
# the model does (classification and the reply share it; a hanging model means a handoff).
AI_REPLY_DEADLINE_SECONDS = env.float("AI_REPLY_DEADLINE_SECONDS", default=25.0)
# The local model writes ~16 tokens/s on 2 cores: 200 tokens fit in the reply deadline.
AI_MAX_TOKENS = env.int("AI_MAX_TOKENS", default=200 if AI_LOCAL_MODEL else 800)
# Structured output: "json_schema" (OpenAI, vLLM, Ollama, and llama.cpp's server: checked on the local
# model, grammar-constrained) or "json_object_schema" ({"type": "json_object", "schema": ...}, for
# older llama.cpp builds).
AI_RESPONSE_FORMAT = env("AI_RESPONSE_FORMAT", default="json_schema")
# "local": Universal Sentence Encoder multilingual (pure numpy) in-process; "api": the embeddings
# endpoint through the SDK.
AI_EMBEDDINGS = env("AI_EMBEDDINGS", default="api" if OPENAI_API_KEY else "local")
AI_EMBEDDING_MODEL = env("AI_EMBEDDING_MODEL", default="text-embedding-3-small")
AI_EMBEDDING_DIMENSIONS = env.int("AI_EMBEDDING_DIMENSIONS", default=512)  # the vector column's size
AI_RETRIEVAL_TOP_K = env.int("AI_RETRIEVAL_TOP_K", default=4)
# Sentence vectors of the decision examples, shared by the machine's processes (agents/examples.py).
AI_VECTOR_CACHE_DIR = Path(env("AI_VECTOR_CACHE_DIR", default=str(BASE_DIR / "var" / "cache")))
# A retrieval score (0..1, calibrated in agents/knowledge.py) from which the knowledge base answers
# the question; chosen on the labelled questions of tests/agents/kb.py (python -m tests.bench.kb).
AI_ANSWER_THRESHOLD = env.float("AI_ANSWER_THRESHOLD", default=0.5)
# Passages under this score stay out of prompts; the same as the answer threshold unless set.
AI_MIN_RETRIEVAL_SCORE = env.float("AI_MIN_RETRIEVAL_SCORE", default=AI_ANSWER_THRESHOLD)
# Languages customers are identified in and answered in (ISO 639-1); the first is the fallback.
AI_LANGUAGES = env.list("AI_LANGUAGES", default=["en", "es", "de", "pt", "fr"])
# Decisions (agents/decisions.py): a reason a human must own it counts from this score (0..1) on;
# a capable model, if an admin configured one, gets at most this long for an uncertain decision.
AI_REASON_THRESHOLD = env.float("AI_REASON_THRESHOLD", default=0.5)
AI_DECISION_MODEL_SECONDS = env.float("AI_DECISION_MODEL_SECONDS", default=8.0)
AI_MAX_TURNS = env.int("AI_MAX_TURNS", default=3)
AI_RESOLUTION_WAIT_MINUTES = env.int("AI_RESOLUTION_WAIT_MINUTES", default=60)
AI_HUMAN_TYPING_SECONDS = env.int("AI_HUMAN_TYPING_SECONDS", default=20)
CELERY_BEAT_SCHEDULE["ai-resolution-sweep"] = {"task": "agents.tasks.ai_resolution_sweep", "schedule": 300.0}

# ----- agent inbox -----------------------------------------------------------------------

INBOX_UPLOAD_MAX_BYTES = env.int("INBOX_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
INBOX_PAGE_SIZE = env.int("INBOX_PAGE_SIZE", default=50)
CELERY_BEAT_SCHEDULE["inbox-wake-snoozed"] = {"task": "inbox.periodic.conversations_wake_due_task", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["inbox-presence-sweep"] = {"task": "inbox.periodic.agents_presence_sweep_task", "schedule": 60.0}

# ----- roles: who sees which conversations (inbox/access.py) -------------------------------
# "team": agents and leads see their teams' conversations, those with no team and their own;
# "all": every agent sees every conversation (one shared queue). Admins always see everything.
INBOX_TEAM_VISIBILITY = env("INBOX_TEAM_VISIBILITY", default="team")
if INBOX_TEAM_VISIBILITY not in ("team", "all"):
    raise environ.ImproperlyConfigured("INBOX_TEAM_VISIBILITY is 'team' or 'all'")
