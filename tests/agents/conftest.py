import pytest

from agents.defaults import intents_ensure_defaults


@pytest.fixture(autouse=True)
def _default_intents(request):
    """The default intents come from a data migration, which transactional tests flush away."""
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue("db")
        intents_ensure_defaults()
