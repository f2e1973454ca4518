from celery import shared_task

from inbox.api.webhooks import DeliveryFailed, webhook_delivery_attempt

BACKOFF_SECONDS = [10, 60, 300, 1800, 7200]


@shared_task(bind=True, max_retries=None, acks_late=True)
def webhook_deliver(self, delivery_id: int):
    try:
        webhook_delivery_attempt(delivery_id=delivery_id)
    except DeliveryFailed as exc:
        delay = BACKOFF_SECONDS[min(self.request.retries, len(BACKOFF_SECONDS) - 1)]
        # throw=False: the retry is queued either way; not raising also lets eager mode (tests) run it.
        return self.retry(countdown=delay, exc=exc, throw=False)
