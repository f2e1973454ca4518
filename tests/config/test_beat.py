from django.conf import settings

from config.celery import app


def test_every_periodic_job_is_scheduled_and_names_a_real_task():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
    # The refreshes and sweeps people rely on without knowing it.
    for task in (
        "inbox.metrics.tasks.conversation_facts_refresh_task",
        "inbox.qa.tasks.qa_scan_task",
        "inbox.tasks.inbound_pipeline_sweep",
        "channels_app.delivery.delivery_recover_stuck",
        "inbox.tasks.sla_check_due",
    ):
        assert task in scheduled, task
