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


def pytest_collection_modifyitems(items):
    # Playwright's sync API leaves an event loop running in the worker's main thread, where
    # async_to_sync (consumer tests, event dispatch) then refuses to work: browser tests run last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
