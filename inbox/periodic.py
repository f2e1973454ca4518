"""Periodic inbox work (celery beat): wake snoozed conversations, age agent presence."""

from celery import shared_task

from inbox.services.actions import conversations_wake_due
from inbox.services.agents import agents_presence_sweep


@shared_task(acks_late=True)
def conversations_wake_due_task() -> int:
    return conversations_wake_due()


@shared_task(acks_late=True)
def agents_presence_sweep_task() -> int:
    return agents_presence_sweep()
