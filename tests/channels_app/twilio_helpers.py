"""Twilio test helpers and fixtures: credentials, the stand-in on a free port, signed posts."""

import pytest
from twilio.request_validator import RequestValidator

from channels_app.standins.twilio_server import TwilioStandin

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token"
PUBLIC = "https://inbox.example.com"


@pytest.fixture
def twilio_settings(settings):
    """Twilio credentials, and a public URL different from the one tests reach (http://testserver)."""
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver", "inbox.example.com"]
    settings.TWILIO_WHATSAPP_FROM = "+14155238886"
    settings.TWILIO_SMS_FROM = "+15005550006"
    return settings


@pytest.fixture
def standin(twilio_settings):
    """The Twilio stand-in on a free port, the app's TWILIO_API_BASE_URL pointing at it.

    No status callbacks unless a test sets ``standin.callback_delay``.
    """
    server = TwilioStandin(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        webhook_url=PUBLIC + "/webhooks/twilio/messages/",
        whatsapp_number=twilio_settings.TWILIO_WHATSAPP_FROM,
        sms_number=twilio_settings.TWILIO_SMS_FROM,
        callback_delay=None,
    ).start()
    twilio_settings.TWILIO_API_BASE_URL = server.url
    yield server
    server.stop()


def sign(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def twilio_post(client, path: str, params: dict, *, signed_url: str | None = None, token: str = AUTH_TOKEN):
    """POST ``params`` to ``path`` as Twilio would, signed for the public URL unless told otherwise."""
    url = signed_url if signed_url is not None else PUBLIC + path
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=sign(url, params, token))


def inbound_params(sid: str = "SM" + "a" * 32, sender: str = "whatsapp:+15551234567", body: str = "Hi", **extra):
    to = "whatsapp:+14155238886" if sender.startswith("whatsapp:") else "+15005550006"
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": to, "Body": body, "NumMedia": "0"} | {
        k: str(v) for k, v in extra.items()
    }
