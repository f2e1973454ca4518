from celery import shared_task

from inbox.metrics.facts import conversation_facts_refresh


@shared_task(acks_late=True)
def conversation_facts_refresh_task() -> int:
    return conversation_facts_refresh()
