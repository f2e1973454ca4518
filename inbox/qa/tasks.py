from celery import shared_task

from inbox.qa.scan import qa_scan


@shared_task(acks_late=True)
def qa_scan_task() -> int:
    return qa_scan()
