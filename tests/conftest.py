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
