"""The conversation shows why it was routed, and a wrong decision is taught from the conversation."""

from pathlib import Path

import pytest
from django.test import Client

from agents.decisions import message_decide, text_decide
from agents.examples import examples_defaults_load
from agents.models import Example
from inbox.audit.models import AuditEntry
from tests.factories import ConversationFactory, MessageFactory

SMALL = Path(__file__).resolve().parent.parent / "fixtures" / "ai" / "small_examples.json"
pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(agent):
    Example.objects.all().delete()
    examples_defaults_load(path=SMALL)
    conversation = ConversationFactory(assignee=agent.user)
    message = MessageFactory(conversation=conversation, text="Can you move my subscription to my wife's account?")
    message_decide(message=message)
    return conversation


def test_the_panel_shows_signals_and_nearest_examples(agent_client, decided):
    response = agent_client.get(f"/ai/conversations/{decided.pk}/decision/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Why it went here" in html
    assert "Nearest examples" in html
    assert "<meter" in html


def test_teaching_a_misrouted_message_routes_the_next_similar_one_right(agent_client, decided):
    text = "Please transfer my subscription to my husband's account"
    assert "complex_account" not in text_decide(text=text)["human_reasons"]
    response = agent_client.post(
        f"/ai/conversations/{decided.pk}/decision/teach/", {"verdict": "human:complex_account"}
    )
    assert response.status_code == 200
    assert "Learned" in response.content.decode()
    example = Example.objects.get(source=Example.Source.TAUGHT)
    assert (example.kind, example.label, example.conversation_id) == ("signal", "complex_account", decided.pk)
    assert AuditEntry.objects.filter(action="example.created").exists()
    assert "complex_account" in text_decide(text=text)["human_reasons"]


def test_teaching_twice_or_nonsense_is_refused_with_a_reason(agent_client, decided):
    url = f"/ai/conversations/{decided.pk}/decision/teach/"
    assert agent_client.post(url, {"verdict": "human:complex_account"}).status_code == 200
    again = agent_client.post(url, {"verdict": "human:complex_account"})
    assert again.status_code == 400
    assert "already an example" in again.content.decode()
    bad = agent_client.post(url, {"verdict": "human:grumpy"})
    assert bad.status_code == 400
    assert Example.objects.filter(source=Example.Source.TAUGHT).count() == 1


def test_the_panel_and_teaching_need_a_login(decided):
    client = Client()
    assert client.get(f"/ai/conversations/{decided.pk}/decision/").status_code in (302, 403)
    assert client.post(f"/ai/conversations/{decided.pk}/decision/teach/", {"verdict": "ai:shipping"}).status_code in (
        302,
        403,
    )
    assert not Example.objects.filter(source=Example.Source.TAUGHT).exists()
