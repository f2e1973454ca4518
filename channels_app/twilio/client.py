"""The one place a Twilio REST client is made: explicit timeout, base URL from settings."""

from django.conf import settings
from django.urls import reverse
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_PRODUCTION_API = "https://api.twilio.com"


def twilio_client() -> Client:
    # TwilioHttpClient waits forever by default; a stuck request would pin a worker.
    client = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=TwilioHttpClient(timeout=settings.TWILIO_HTTP_TIMEOUT),
    )
    if settings.TWILIO_API_BASE_URL != TWILIO_PRODUCTION_API:
        client.api.base_url = settings.TWILIO_API_BASE_URL  # the local stand-in, or a regional edge
    return client


def public_url(path: str) -> str:
    """The URL the outside world (and Twilio's signature) uses for one of our paths."""
    return settings.PUBLIC_BASE_URL + path


def status_callback_url(message_id: int) -> str:
    # The message id lets a callback find a message whose SID was never stored (worker died).
    return public_url(reverse("twilio:status")) + f"?message={message_id}"
