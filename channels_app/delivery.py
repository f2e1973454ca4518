"""Generic outbound delivery: one Celery task per message, through the channel's sender.

Never sends twice: a worker must first move the message from pending to sending under a row
lock (``message_delivery_claim``); only then is the provider called, and its id stored after.
A message left ``sending`` (worker killed, provider silent) is resolved by
``delivery_recover_stuck``, never resent blindly.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from channels_app.senders import SENDERS, SendError, SendOutcomeUnknown
from inbox.models import Channel, Message
from inbox.services.delivery import (
    message_delivery_accepted,
    message_delivery_claim,
    message_delivery_fail,
    message_delivery_release,
    message_delivery_update,
)

logger = logging.getLogger(__name__)
D = Message.Delivery

# channel -> function(external_id) returning (status, error_code, error_message) from the provider.
StatusFetcher = Callable[[str], tuple[str, str, str]]
STATUS_FETCHERS: dict[str, StatusFetcher] = {}


def status_fetcher(channel: str) -> Callable[[StatusFetcher], StatusFetcher]:
    def register(func: StatusFetcher) -> StatusFetcher:
        STATUS_FETCHERS[channel] = func
        return func

    return register


TWILIO_CHANNELS = (Channel.WHATSAPP, Channel.SMS)


class Attempt(Enum):
    DONE = "done"  # sent, failed for good, or not ours to send
    RETRY = "retry"  # a transient failure; the message is pending again


def delivery_attempt(*, message_id: int) -> tuple[Attempt, str]:
    """Try once to hand a pending outbound message to its channel's sender."""
    message = message_delivery_claim(message_id=message_id)
    if message is None:
        return Attempt.DONE, "not pending"
    send = SENDERS.get(message.channel)
    if send is None:
        label = Channel(message.channel).label if message.channel in Channel.values else message.channel
        message_delivery_fail(message_id=message_id, reason=f"No sender is set up for {label}: nothing was sent")
        return Attempt.DONE, "no sender"
    try:
        external_id = send(message)
    except SendOutcomeUnknown as exc:
        logger.warning("message %s: outcome unknown (%s); left for recovery", message_id, exc.reason)
        return Attempt.DONE, exc.reason
    except SendError as exc:
        if exc.transient:
            message_delivery_release(message_id=message_id, reason=exc.reason)
            return Attempt.RETRY, exc.reason
        message_delivery_fail(message_id=message_id, reason=exc.reason, code=exc.code)
        return Attempt.DONE, exc.reason
    except Exception:
        # A bug, not the provider: whether it sent is unknown, so fail visibly and never resend.
        logger.exception("message %s: sender crashed", message_id)
        message_delivery_fail(message_id=message_id, reason="Sending crashed; it was not retried (see the logs)")
        return Attempt.DONE, "crashed"
    # Twilio queues what it accepts (callbacks follow); SMTP hand-off and a widget push are already "sent".
    accepted = Message.Delivery.QUEUED if message.channel in TWILIO_CHANNELS else Message.Delivery.SENT
    message_delivery_accepted(message_id=message_id, external_id=external_id, status=accepted)
    return Attempt.DONE, "sent"


def retry_delay(retries: int) -> int:
    """Seconds before the next try: 5, 10, 20, 40, ... capped at two minutes."""
    return min(5 * 2**retries, 120)


@shared_task(bind=True, acks_late=True, max_retries=None)
def message_deliver(self, message_id: int) -> str:
    outcome, reason = delivery_attempt(message_id=message_id)
    if outcome is Attempt.RETRY:
        if self.request.retries >= settings.DELIVERY_MAX_RETRIES:
            message_delivery_fail(
                message_id=message_id, reason=f"Gave up after {self.request.retries + 1} tries: {reason}"
            )
            return "gave up"
        if self.request.is_eager:
            # Run inline (CELERY_TASK_ALWAYS_EAGER): returning the Retry makes Celery run the next try
            # now, instead of raising it into whoever enqueued the delivery.
            return self.retry(countdown=retry_delay(self.request.retries), throw=False)
        raise self.retry(countdown=retry_delay(self.request.retries))
    return reason


def _since(message: Message) -> datetime:
    raw = message.metadata.get("sending_since")
    return datetime.fromisoformat(raw) if raw else message.created_at


def delivery_recover(*, now: datetime | None = None) -> dict[str, int]:
    """Resolve outbound messages that stopped moving; returns counts per outcome.

    - pending too long (its task was lost): enqueued again (the claim keeps it single).
    - sending too long: a worker died or the provider went silent after the request. Without
      the provider's id nothing can be checked, so it fails visibly, never resent.
    - queued too long with a provider id: its status is fetched from the provider.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.DELIVERY_STUCK_AFTER_MINUTES)
    recent = now - timedelta(days=1)
    counts = {"requeued": 0, "failed": 0, "fetched": 0}
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND, created_at__gte=recent)

    for message_id in outbound.filter(delivery_status=D.PENDING, created_at__lt=cutoff).values_list("pk", flat=True):
        message_deliver.delay(message_id)
        counts["requeued"] += 1

    for message in outbound.filter(delivery_status=D.SENDING, created_at__lt=cutoff):
        if _since(message) >= cutoff:
            continue
        if message.external_id and message.channel in STATUS_FETCHERS:
            counts["fetched"] += _fetch(message)
            continue
        message_delivery_fail(
            message_id=message.pk,
            reason="Delivery could not be confirmed (the sending worker stopped or the provider did not answer). "
            "It was not resent automatically: check with the customer before sending again.",
        )
        counts["failed"] += 1

    stale = outbound.filter(delivery_status=D.QUEUED, created_at__lt=cutoff, channel__in=list(STATUS_FETCHERS))
    for message in stale.exclude(external_id=""):
        counts["fetched"] += _fetch(message)
    return counts


def _fetch(message: Message) -> int:
    try:
        status, code, reason = STATUS_FETCHERS[message.channel](message.external_id)
    except Exception:
        logger.warning("message %s: could not fetch its status", message.pk, exc_info=True)
        return 0
    message_delivery_update(
        channel=message.channel, external_id=message.external_id, status=status, error_code=code, error_message=reason
    )
    return 1


@shared_task
def delivery_recover_stuck() -> dict[str, int]:
    return delivery_recover()
