"""The test suite's settings: the real ones, with tasks run inline and fast hashing."""

import os

os.environ.setdefault("TESTING", "1")

from config.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Tests that send WhatsApp/SMS start their own stand-in (tests/channels_app/twilio_helpers.py; the
# browser tests' server gets one through TEST_TWILIO_API_BASE_URL); the rest must never reach a
# demo's stand-in on the default port. Nothing listens on port 9.
TWILIO_API_BASE_URL = os.environ.get("TEST_TWILIO_API_BASE_URL", "http://127.0.0.1:9")
DEMO_SIMULATOR = True  # the browser tests visit the demo storefront
# Two suites on one machine (two checkouts, two developers) each get their own test databases.
if os.environ.get("TEST_RUN_ID"):
    DATABASES["default"]["TEST"] = {"NAME": f"test_inbox_{os.environ['TEST_RUN_ID']}"}  # noqa: F405
