"""Celery tasks: take ids, call a service, safe to run twice."""

import logging

from celery import shared_task
from django.utils import timezone

from agents import agent
from agents.kb_import import kb_import
from agents.knowledge import kb_reindex
from agents.models import IndexJob
from inbox.models import Conversation

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def ai_agent_respond(conversation_id: int, deadline: float | None = None) -> str:
    """Let the AI agent answer (or hand off) the conversation's newest customer message, its model
    calls done by ``deadline`` (a ``time.time()``, set when the customer's message was processed)."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return "missing"
    outcome = agent.ai_agent_reply(conversation=conversation, deadline=deadline)
    log.info("AI agent on conversation %s: %s (%s)", conversation_id, outcome.action, outcome.reason)
    return outcome.action


@shared_task(acks_late=True)
def kb_index_job_run(job_id: int) -> str:
    """Run a reindex or import job; a job already finished is left alone."""
    job = IndexJob.objects.filter(pk=job_id).first()
    if job is None or job.state == IndexJob.State.DONE:
        return "skipped"
    try:
        job = kb_import(job=job) if job.kind == IndexJob.Kind.IMPORT else kb_reindex(job=job)
    except Exception as exc:
        log.exception("index job %s failed", job_id)
        IndexJob.objects.filter(pk=job_id).update(
            state=IndexJob.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return "failed"
    return job.state


@shared_task
def ai_resolution_sweep() -> int:
    return agent.ai_resolution_sweep()
