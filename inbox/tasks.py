"""Celery tasks of the inbox: take ids, call services, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from inbox.models import Message


# Every step is idempotent, so a database hiccup simply runs the pipeline again.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def inbound_message_process(message_id: int) -> None:
    """The inbound pipeline after a customer's message is stored (enqueued on commit by
    ``message_receive``). Each step is one service call; each is idempotent."""
    from inbox.rules.apply import conversation_route
    from inbox.sla import sla_timers_refresh

    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if message is None:
        return
    # (classification step goes here: it fills message.classification before the rules run)
    conversation_route(message=message)
    sla_timers_refresh(conversation=message.conversation)
    # (AI-agent dispatch goes here: it acts when the conversation's owner is the AI)


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
