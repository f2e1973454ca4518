"""Outbound WhatsApp and SMS through the twilio SDK."""

import json
import logging

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException

from channels_app.delivery import status_fetcher
from channels_app.senders import SendError, SendOutcomeUnknown, sender
from channels_app.twilio.client import status_callback_url, twilio_client
from channels_app.twilio.statuses import TWILIO_STATUS, error_text
from inbox.models import CHANNEL_CONTACT_KIND, Channel, ContactPoint, Message

logger = logging.getLogger(__name__)


def recipient_address(message: Message) -> str:
    """The customer's number for this channel: the one they last wrote from, else their first."""
    kind = CHANNEL_CONTACT_KIND[message.channel]
    points = ContactPoint.objects.filter(customer_id=message.conversation.customer_id, kind=kind)
    last_from = (
        Message.objects.filter(
            conversation_id=message.conversation_id, channel=message.channel, direction=Message.Direction.INBOUND
        )
        .order_by("-created_at")
        .values_list("metadata__from", flat=True)
        .first()
    )
    addresses = list(points.order_by("created_at").values_list("address", flat=True))
    if not addresses:
        raise SendError(f"This customer has no {Channel(message.channel).label} number")
    return last_from if last_from in addresses else addresses[0]


def _twilio_send(message: Message, *, to: str, from_: str) -> str:
    params: dict = {"to": to, "from_": from_, "status_callback": status_callback_url(message.pk)}
    template = message.metadata.get("whatsapp_template")
    if template:
        params["content_sid"] = template["content_sid"]
        params["content_variables"] = json.dumps(template.get("variables", {}))
    else:
        params["body"] = message.text
    try:
        sent = twilio_client().messages.create(**params)
    except TwilioRestException as exc:
        reason = exc.msg or f"Twilio answered HTTP {exc.status}"
        transient = exc.status == 429 or exc.status >= 500
        raise SendError(reason, code=str(exc.code or exc.status), transient=transient) from exc
    except requests.RequestException as exc:
        if _never_reached_twilio(exc):
            raise SendError(f"Twilio could not be reached ({exc.__class__.__name__})", transient=True) from exc
        # Twilio may have taken it before the connection broke: resending could send it twice.
        raise SendOutcomeUnknown(f"Twilio did not answer ({exc.__class__.__name__})") from exc
    except TwilioException as exc:
        raise SendError(f"Twilio refused the request: {exc}") from exc
    logger.info("twilio accepted message %s as %s (%s)", message.pk, sent.sid, sent.status)
    return sent.sid


def _never_reached_twilio(exc: requests.RequestException) -> bool:
    """True when the connection itself failed, so no request reached Twilio."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = str(exc)
    return isinstance(exc, requests.ConnectionError) and (
        "NewConnectionError" in text or "Failed to establish a new connection" in text or "NameResolution" in text
    )


@sender(Channel.WHATSAPP)
def whatsapp_send(message: Message) -> str:
    to = recipient_address(message)
    return _twilio_send(message, to=f"whatsapp:{to}", from_=f"whatsapp:{settings.TWILIO_WHATSAPP_FROM}")


@sender(Channel.SMS)
def sms_send(message: Message) -> str:
    return _twilio_send(message, to=recipient_address(message), from_=settings.TWILIO_SMS_FROM)


@status_fetcher(Channel.WHATSAPP)
@status_fetcher(Channel.SMS)
def twilio_status_fetch(sid: str) -> tuple[str, str, str]:
    """Ask Twilio where a message is (used by the recovery task when callbacks stopped coming)."""
    fetched = twilio_client().messages(sid).fetch()
    code = str(fetched.error_code or "")
    return TWILIO_STATUS.get(fetched.status, Message.Delivery.QUEUED), code, fetched.error_message or error_text(code)
