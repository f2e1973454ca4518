from celery import shared_task

from channels_app.twilio import media

MEDIA_TRIES = 4


@shared_task(bind=True, acks_late=True, max_retries=MEDIA_TRIES - 1)
def attachment_download(self, attachment_id: int) -> str:
    last_try = self.request.retries >= MEDIA_TRIES - 1
    try:
        return media.attachment_download(attachment_id=attachment_id, last_try=last_try).state
    except media.MediaRetry as exc:
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
