import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("inbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["inbox.api", "inbox.metrics", "inbox.csat", "inbox.qa"])
# Periodic inbox work lives in <app>/periodic.py (beat schedule in settings).
app.autodiscover_tasks(related_name="periodic")
