"""Twilio's webhooks: incoming WhatsApp/SMS messages and delivery status callbacks.

Each request is authenticated by its X-Twilio-Signature, computed by Twilio over the PUBLIC
URL it called (PUBLIC_BASE_URL, not the host and scheme a TLS proxy forwards to us). The
views only parse and call inbox services; media downloads run later in Celery.
"""

import logging
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from channels_app.twilio.client import public_url
from channels_app.twilio.statuses import TWILIO_STATUS, error_text
from inbox.models import Attachment, Channel, ContactKind
from inbox.services import IncomingAttachment, contact_address_normalise, message_delivery_update, message_receive

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10  # Twilio sends at most ten media items per message


def signature_problem(request: HttpRequest) -> str:
    """Why the request is not from Twilio, or "" when its signature matches."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return "no X-Twilio-Signature header"
    url = public_url(request.get_full_path())
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature):
        return f"the signature does not match {url} (check PUBLIC_BASE_URL and TWILIO_AUTH_TOKEN)"
    return ""


def twilio_webhook(view):
    """POST only, no CSRF token (Twilio has none), and a valid Twilio signature, else 403."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        problem = signature_problem(request)
        if problem:
            logger.warning("refused a Twilio webhook to %s from %s: %s", request.path, _client_ip(request), problem)
            return HttpResponseForbidden("Invalid Twilio signature", content_type="text/plain")
        return view(request)

    return wrapper


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("HTTP_X_FORWARDED_FOR", request.META.get("REMOTE_ADDR", "?"))


def _bad(reason: str) -> HttpResponse:
    logger.warning("rejected a Twilio webhook: %s", reason)
    return HttpResponseBadRequest(reason, content_type="text/plain")


def channel_of(*addresses: str) -> str:
    return Channel.WHATSAPP if any(a.startswith("whatsapp:") for a in addresses) else Channel.SMS


@dataclass(frozen=True)
class Inbound:
    channel: str
    sid: str
    sender: str  # E.164
    to: str
    text: str
    name: str
    media: tuple[IncomingAttachment, ...]


def inbound_parse(post) -> Inbound:
    """Read Twilio's message webhook form; ValidationError says what is wrong with it."""
    sid = post.get("MessageSid") or post.get("SmsMessageSid") or ""
    raw_from = post.get("From", "")
    if not sid:
        raise ValidationError("MessageSid is missing")
    if not raw_from:
        raise ValidationError("From is missing")
    channel = channel_of(raw_from)
    kind = ContactKind.WHATSAPP if channel == Channel.WHATSAPP else ContactKind.PHONE
    sender = contact_address_normalise(kind=kind, address=raw_from)
    try:
        count = int(post.get("NumMedia") or 0)
    except ValueError:
        raise ValidationError("NumMedia is not a number") from None
    if not 0 <= count <= MAX_MEDIA:
        raise ValidationError(f"NumMedia must be between 0 and {MAX_MEDIA}")
    media = []
    for i in range(count):
        url = post.get(f"MediaUrl{i}", "")
        if not url.startswith(("https://", "http://")):
            raise ValidationError(f"MediaUrl{i} is missing or not a URL")
        content_type = post.get(f"MediaContentType{i}", "")
        media.append(IncomingAttachment(filename=f"media-{i}", content_type=content_type, source_url=url))
    text = post.get("Body", "")
    if not text and post.get("Latitude") and post.get("Longitude"):
        text = f"Shared a location: {post['Latitude']}, {post['Longitude']} {post.get('Address', '')}".strip()
    return Inbound(
        channel=channel,
        sid=sid,
        sender=sender,
        to=post.get("To", "").removeprefix("whatsapp:"),
        text=text,
        name=post.get("ProfileName", "") if channel == Channel.WHATSAPP else "",
        media=tuple(media),
    )


@twilio_webhook
def inbound_message(request: HttpRequest) -> HttpResponse:
    try:
        inbound = inbound_parse(request.POST)
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    try:
        received = message_receive(
            channel=inbound.channel,
            address=inbound.sender,
            text=inbound.text,
            external_id=inbound.sid,
            name=inbound.name,
            metadata={"from": inbound.sender, "to": inbound.to},
            attachments=inbound.media,
        )
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    if received.created and inbound.media:
        _media_download_enqueue(received.message.pk)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def _media_download_enqueue(message_id: int) -> None:
    from channels_app.twilio.tasks import attachment_download

    ids = Attachment.objects.filter(message_id=message_id, state=Attachment.State.PENDING).values_list("pk", flat=True)
    for attachment_id in ids:
        transaction.on_commit(lambda pk=attachment_id: attachment_download.delay(pk), robust=True)


@twilio_webhook
def status_callback(request: HttpRequest) -> HttpResponse:
    post = request.POST
    sid = post.get("MessageSid") or post.get("SmsSid") or ""
    twilio_status = post.get("MessageStatus") or post.get("SmsStatus") or ""
    if not sid or not twilio_status:
        return _bad("MessageSid and MessageStatus are required")
    status = TWILIO_STATUS.get(twilio_status)
    if status is None:
        logger.info("ignored Twilio status %r for %s", twilio_status, sid)
        return HttpResponse(status=204)
    hint = request.GET.get("message", "")
    code = post.get("ErrorCode", "")
    message = message_delivery_update(
        channel=channel_of(post.get("From", ""), post.get("To", "")),
        external_id=sid,
        status=status,
        error_code=code,
        error_message=post.get("ErrorMessage", "") or error_text(code),
        message_id=int(hint) if hint.isdigit() else None,
    )
    if message is None:
        logger.info("status %s for unknown Twilio message %s ignored", twilio_status, sid)
    return HttpResponse(status=204)
