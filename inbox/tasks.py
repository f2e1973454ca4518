"""Celery tasks of the inbox: take ids, call services, safe to run twice."""

import time

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction

from inbox.models import Conversation, Message


# Every step is idempotent, so a database hiccup simply runs the pipeline again.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def inbound_message_process(message_id: int) -> None:
    """The inbound pipeline after a customer's message is stored (enqueued on commit by
    ``message_receive``). Each step is one service call; each is idempotent."""
    from agents.decisions import message_decide
    from agents.tasks import ai_agent_respond
    from inbox.rules.apply import conversation_route
    from inbox.sla import sla_timers_refresh

    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if message is None or message.metadata.get("csat_rating") is not None:
        return  # a survey answer is recorded already; it asks nothing of anyone
    # One budget for the model calls of this message: an answer or a human within it.
    deadline = time.time() + settings.AI_REPLY_DEADLINE_SECONDS
    if "human_reasons" not in message.classification:
        # Milliseconds, no text generation; never raises: a failure leaves {"error": ...}, rules then skip it.
        message_decide(message=message, deadline=deadline)
    conversation_route(message=message)
    sla_timers_refresh(conversation=message.conversation)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    if conversation.owner == Conversation.Owner.AI:
        # Its own task: the model may take seconds, and routing must not wait for it.
        transaction.on_commit(lambda: ai_agent_respond.delay(conversation.pk, deadline=deadline))


@shared_task
def inbound_pipeline_sweep() -> int:
    """Beat safety net: re-enqueue inbound messages whose pipeline task was lost (broker outage)."""
    from inbox.pipeline_recovery import inbound_pipeline_recover

    return inbound_pipeline_recover()


@shared_task(acks_late=True)
def backlog_drain_for_agent(user_id: int) -> int:
    from inbox.assignment import backlog_drain

    return backlog_drain(user_id=user_id)


@shared_task
def backlog_drain_all() -> int:
    """Beat safety net: drain to every online agent with room (covers missed triggers)."""
    from inbox.assignment import backlog_drain
    from inbox.models import AgentProfile

    online = AgentProfile.objects.filter(presence=AgentProfile.Presence.ONLINE).values_list("user_id", flat=True)
    return sum(backlog_drain(user_id=uid) for uid in online)


@shared_task
def sla_check_due() -> dict:
    from inbox.sla import sla_check

    return sla_check()
