"""Outgoing webhooks through a transactional outbox.

Deliveries are rows written in the same transaction as the change they announce, so a
committed change always has its delivery and a rolled-back one never does. A Celery task
sends each one, signed, retrying with backoff; an endpoint that keeps failing is disabled
with a reason the admin sees.
"""

import hashlib
import hmac
import json
import time

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inbox.api.models import WebhookDelivery, WebhookEndpoint
from inbox.api.serializers import conversation_json, message_json
from inbox.models import Conversation, Message

SIGNATURE_HEADER = "X-Inbox-Signature"


def _public_event(event: dict) -> str | None:
    kind, op = event.get("type"), event.get("op")
    if kind == "conversation" and op in ("created", "assigned"):
        return f"conversation.{op}"
    if kind == "conversation" and op == "status" and event.get("status") == Conversation.Status.RESOLVED:
        return "conversation.resolved"
    if kind == "message" and op == "created":
        return "message.created"
    return None


def _payload(name: str, event: dict) -> dict | None:
    if name.startswith("message."):
        message = Message.objects.filter(pk=event["message_id"]).first()
        if message is None or message.direction == Message.Direction.EVENT:
            return None
        return {"message": message_json(message)}
    conversation = Conversation.objects.filter(pk=event["conversation_id"]).first()
    return {"conversation": conversation_json(conversation)} if conversation else None


def webhook_deliveries_record(*, event: dict) -> None:
    """Queue a delivery of ``event`` to every subscribed endpoint (call inside the change's transaction)."""
    name = _public_event(event)
    if name is None:
        return
    endpoints = list(WebhookEndpoint.objects.filter(active=True, events__contains=[name]).only("pk"))
    if not endpoints:
        return
    data = _payload(name, event)
    if data is None:
        return
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=name, payload={"event": name, "data": data}) for endpoint in endpoints
    )
    from inbox.api.tasks import webhook_deliver

    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: webhook_deliver.delay(pk))


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``; receivers reject old timestamps."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class DeliveryFailed(Exception):
    pass


def webhook_delivery_attempt(*, delivery_id: int) -> None:
    """Send one delivery once. Raises DeliveryFailed when the caller should retry."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.state != WebhookDelivery.State.PENDING or not delivery.endpoint.active:
        return
    body = json.dumps({**delivery.payload, "delivery_id": str(delivery.delivery_id)}, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "support-inbox-webhooks/1",
        "X-Inbox-Event": delivery.event,
        "X-Inbox-Delivery": str(delivery.delivery_id),
        SIGNATURE_HEADER: webhook_signature(secret=delivery.endpoint.secret, timestamp=int(time.time()), body=body),
    }
    delivery.attempts += 1
    try:
        response = requests.post(
            delivery.endpoint.url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT, allow_redirects=False
        )
        delivery.last_status_code = response.status_code
        delivery.last_error = "" if response.ok else f"HTTP {response.status_code}"
        ok = 200 <= response.status_code < 300
    except requests.RequestException as exc:
        delivery.last_status_code = None
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:300]
        ok = False

    if ok:
        delivery.state = WebhookDelivery.State.SUCCEEDED
        delivery.finished_at = timezone.now()
        delivery.save()
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=0)
        return
    if delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.save()
        raise DeliveryFailed(delivery.last_error)
    delivery.state = WebhookDelivery.State.FAILED
    delivery.finished_at = timezone.now()
    delivery.save()
    _endpoint_failure_count(delivery.endpoint_id)


def _endpoint_failure_count(endpoint_id: int) -> None:
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER:
            endpoint.active = False
            endpoint.disabled_reason = (
                f"Disabled on {timezone.now():%Y-%m-%d %H:%M} UTC after {endpoint.consecutive_failures} "
                "deliveries failed in a row"
            )
        endpoint.save()
