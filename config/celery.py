import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("inbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["inbox.api", "inbox.metrics", "inbox.csat", "inbox.qa"])
# Periodic inbox work lives in <app>/periodic.py (beat schedule in settings).
app.autodiscover_tasks(related_name="periodic")


@worker_init.connect
def _decisions_warm(**_) -> None:
    # Imported here: Django's apps are ready only once the worker starts.
    from agents.warmup import decisions_warm

    decisions_warm()
