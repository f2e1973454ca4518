import pytest
from django.test import Client

from tests.factories import AgentFactory


@pytest.fixture
def agent(db):
    return AgentFactory(user__username="ana", user__first_name="Ana")


@pytest.fixture
def agent_client(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


from tests.browser import chromium, live_server_url, new_page  # noqa: E402,F401 - fixtures


def pytest_collection_modifyitems(config, items):
    """Run browser tests last on each worker: Playwright's sync API leaves an asyncio loop
    marked running in the main thread, which breaks async_to_sync in any later test there."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
