import pytest

from agents.defaults import intents_ensure_defaults


@pytest.fixture(autouse=True)
def _default_intents(request):
    """The default intents come from a data migration, which transactional tests flush away."""
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue("db")
        intents_ensure_defaults()


@pytest.fixture(autouse=True)
def _no_inbound_pipeline(monkeypatch):
    """These tests drive the AI agent and copilot directly, with scripted model answers; the
    inbound pipeline (classification, routing) would consume those scripts. It has its own
    end-to-end test in tests/inbox/test_pipeline.py."""
    from inbox import tasks

    monkeypatch.setattr(tasks.inbound_message_process, "delay", lambda message_id: None)
