"""Download the media of incoming WhatsApp/SMS messages (Twilio serves it behind basic auth)."""

import logging
import mimetypes
from urllib.parse import urlparse

import requests
from django.conf import settings

from inbox.models import Attachment
from inbox.services.attachments import attachment_fail, attachment_store_content

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024


def _credentials_allowed(url: str) -> bool:
    """Send our account credentials only to Twilio (or the configured stand-in)."""
    host = urlparse(url).hostname or ""
    api_host = urlparse(settings.TWILIO_API_BASE_URL).hostname or ""
    return host == api_host or host == "twilio.com" or host.endswith(".twilio.com")


class MediaRetry(Exception):
    """A network error or a 5xx: worth another try later."""


def attachment_download(*, attachment_id: int, last_try: bool = True) -> Attachment:
    """Fetch a pending attachment's bytes within the size and type limits; fail it visibly otherwise.

    Network errors and 5xx raise MediaRetry unless ``last_try``, so a passing hiccup loses nothing.
    """
    attachment = Attachment.objects.get(pk=attachment_id)
    if attachment.state != Attachment.State.PENDING:
        return attachment
    url = attachment.source_url
    if not _credentials_allowed(url):
        return attachment_fail(attachment_id=attachment_id, error="The media address is not on Twilio; not fetched")
    limit = settings.TWILIO_MEDIA_MAX_BYTES
    allowed = set(settings.TWILIO_MEDIA_ALLOWED_TYPES)
    declared = attachment.content_type.split(";")[0].strip().lower()
    if declared and declared not in allowed:
        return attachment_fail(attachment_id=attachment_id, error=f"Files of type {declared} are not accepted")
    try:
        # Twilio answers media URLs with a redirect to a signed storage URL; requests drops our
        # Authorization header when the redirect leaves the host, which is what we want.
        with requests.get(
            url,
            auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
            timeout=settings.TWILIO_MEDIA_TIMEOUT,
            stream=True,
        ) as response:
            if response.status_code >= 500 and not last_try:
                raise MediaRetry(f"HTTP {response.status_code}")
            if response.status_code != 200:
                return attachment_fail(
                    attachment_id=attachment_id, error=f"The media could not be fetched (HTTP {response.status_code})"
                )
            content_type = response.headers.get("Content-Type", declared).split(";")[0].strip().lower()
            if content_type not in allowed:
                error = f"Files of type {content_type} are not accepted"
                return attachment_fail(attachment_id=attachment_id, error=error)
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                return attachment_fail(attachment_id=attachment_id, error=_too_big(int(length), limit))
            body = bytearray()
            for chunk in response.iter_content(CHUNK):
                body += chunk
                if len(body) > limit:
                    return attachment_fail(attachment_id=attachment_id, error=_too_big(len(body), limit))
    except requests.RequestException as exc:
        logger.warning("attachment %s: download failed: %s", attachment_id, exc)
        if not last_try:
            raise MediaRetry(str(exc)) from exc
        error = f"The media could not be fetched ({exc.__class__.__name__})"
        return attachment_fail(attachment_id=attachment_id, error=error)
    extension = mimetypes.guess_extension(content_type) or ""
    return attachment_store_content(
        attachment_id=attachment_id,
        content=bytes(body),
        content_type=content_type,
        filename=f"{attachment.filename or 'media'}{extension}",
    )


def _too_big(size: int, limit: int) -> str:
    return f"The file is too large ({size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.1f} MB)"
