import shutil
import tempfile
from pathlib import Path

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


from tests.browser import chromium, live_server_url, live_twilio, new_page  # noqa: E402,F401 - fixtures


def pytest_collection_modifyitems(config, items):
    """Run browser tests last on each worker: Playwright's sync API leaves an asyncio loop
    marked running in the main thread, which breaks async_to_sync in any later test there."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# ----- AI: the OpenAI stand-in (tests/standins/openai_server.py) ------------------------------
@pytest.fixture(scope="session", autouse=True)
def _openai_standin_server():
    """One stand-in per test worker; settings (and the browser tests' daphne) point at it."""
    import os

    from django.conf import settings

    from tests.standins.openai_server import standin_start

    standin, server = standin_start()
    os.environ["OPENAI_BASE_URL"] = standin.url
    os.environ["AI_CHAT_MODEL"] = "standin-chat"
    os.environ["AI_TIMEOUT_SECONDS"] = "3"
    os.environ["AI_MAX_RETRIES"] = "0"
    os.environ["AI_RESPONSE_FORMAT"] = "json_schema"
    settings.OPENAI_BASE_URL = standin.url
    settings.AI_LOCAL_MODEL = False
    settings.AI_CHAT_MODEL = "standin-chat"
    settings.AI_TIMEOUT_SECONDS = 3.0
    settings.AI_MAX_RETRIES = 0
    settings.AI_RESPONSE_FORMAT = "json_schema"
    yield standin
    server.shutdown()


@pytest.fixture
def openai_standin(_openai_standin_server):
    _openai_standin_server.reset()
    yield _openai_standin_server
    _openai_standin_server.reset()


@pytest.fixture
def server_tmp_path():
    """A temp folder for real servers' data, outside pytest's tmp root.

    pytest resets its tmp root to 0700 whenever a pytest starts, which locks out the postgres
    user (root runs postgres as its own user) while another suite runs on the machine.
    """
    folder = Path(tempfile.mkdtemp(prefix="inbox-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layers (tests/helpers.py channel_layers_reset)."""
    yield
    from tests.helpers import channel_layers_reset

    channel_layers_reset()


def pytest_sessionstart(session):
    """Once, in the main pytest process: the shipped decision examples' vectors go into the machine's
    cache before the xdist workers, daphnes and Celery workers the tests start would each encode them."""
    if hasattr(session.config, "workerinput"):
        return
    from agents.examples import examples_defaults_encode

    examples_defaults_encode()
