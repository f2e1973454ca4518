"""Start-up work for processes that decide messages: the first customer must not pay for it."""

import logging

from django.db import DatabaseError, connections

from agents.decisions import text_decide
from agents.embeddings import texts_embed
from agents.examples import decision_model
from agents.llm import LLMError

log = logging.getLogger(__name__)


def decisions_warm() -> None:
    """Load the sentence encoder and fit the decision heads (~1-3 s with the example vectors cached,
    more on a machine's very first start). Called in the Celery worker's main process before it forks
    its pool, so every child starts warm; the database connections it used are closed, not shared."""
    try:
        text_decide(text="warm-up")
    except (DatabaseError, LLMError) as exc:  # not migrated yet, say: the first message warms it then
        log.warning("decisions not warmed at start: %s", exc)
    finally:
        connections.close_all()


def retrieval_warm() -> None:
    """Load the sentence encoder and the decision heads the copilot's retrieval uses, reading only:
    run in a thread of each web process (config/asgi.py), beside requests. Unlike decisions_warm it
    never stores the shipped examples (a write racing whatever else the database is doing: in the test
    suite, a flush between tests deadlocked on it)."""
    try:
        decision_model()
        texts_embed(["warm-up"])
    except (DatabaseError, LLMError) as exc:
        log.warning("retrieval not warmed at start: %s", exc)
    finally:
        connections.close_all()
