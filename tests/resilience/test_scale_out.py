"""Scale-out: two daphne processes on one PostgreSQL and one Redis. An event raised in either web
process reaches agents connected to both (channels-redis carries it between them)."""

import pytest

from tests.browser import log_in
from tests.channels_app.twilio_helpers import inbound_params
from tests.factories import AgentFactory
from tests.resilience.conftest import daphne_running
from tests.resilience.test_twilio_storm import INBOUND, post

pytestmark = [pytest.mark.resilience, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def two_webs(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), daphne_running("web-a") as web_a, daphne_running("web-b") as web_b:
        yield web_a, web_b


def agent_page(chromium, base_url: str, username: str):
    agent = AgentFactory(user__username=username)
    agent.user.set_password(f"pw-{username}-123")
    agent.user.save()
    context = chromium.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, username, f"pw-{username}-123")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    return context, page


def test_events_from_either_web_process_reach_agents_on_both(chromium, transactional_db, two_webs):
    web_a, web_b = two_webs
    ana_context, ana = agent_page(chromium, web_a.url, "ana")
    ben_context, ben = agent_page(chromium, web_b.url, "ben")
    try:
        # Each message arrives at one web process; both agents must see both.
        assert post(web_a.url, INBOUND, inbound_params(sid="SM" + "a1" * 16, body="Arrived at web A")) == 200
        assert post(web_b.url, INBOUND, inbound_params(sid="SM" + "b2" * 16, body="Arrived at web B",
                                                       sender="+15553330000")) == 200  # fmt: skip
        for page in (ana, ben):
            page.get_by_text("Arrived at web A").first.wait_for()
            page.get_by_text("Arrived at web B").first.wait_for()
    finally:
        ana_context.close()
        ben_context.close()
