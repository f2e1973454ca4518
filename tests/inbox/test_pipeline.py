"""The whole inbound pipeline on real services: classify -> route -> the AI agent answers (or hands off)."""

import pytest

from agents.defaults import intents_ensure_defaults
from agents.models import Article
from inbox.models import Channel, Conversation, Message
from inbox.services import message_receive
from tests.agents.kb import kb_load
from tests.factories import RoutingRuleFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order_rule():
    intents_ensure_defaults()
    kb_load()
    return RoutingRuleFactory(
        name="Delivery questions",
        conditions=[{"field": "intent", "value": ["order_status", "shipping"], "min_confidence": 0.5}],
        actions={"owner": "ai", "stop": True},
    )


def test_a_routine_question_is_decided_routed_to_the_ai_and_answered_with_a_citation(order_rule, openai_standin):
    # The decision asks no model: the only model call is the answer's wording.
    openai_standin.script(content="Standard shipping takes 3 to 5 business days.")

    inbound = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="When will my parcel arrive?")

    inbound.message.refresh_from_db()
    decided = inbound.message.classification
    assert decided["intent"] in ("order_status", "shipping") and decided["human_reasons"] == []
    assert decided["language"] == "en" and decided["kb"]["title"] == "Shipping times"
    conversation = Conversation.objects.get(pk=inbound.message.conversation_id)
    assert conversation.owner == Conversation.Owner.AI
    reply = conversation.messages.get(direction=Message.Direction.OUTBOUND, author_kind=Message.Author.AI)
    assert reply.channel == Channel.WHATSAPP and reply.text.startswith("Standard shipping takes 3 to 5 business days.")
    assert reply.metadata["citations"][0]["title"] == "Shipping times"
    assert reply.text.endswith(reply.metadata["citations"][0]["url"])  # the link is added by code
    assert len(openai_standin.chat_requests()) == 1
    explanation = conversation.messages.filter(direction=Message.Direction.EVENT).values_list("text", flat=True)
    assert any(f"by rule 'Delivery questions': intent={decided['intent']}" in e for e in explanation)


def test_when_the_model_is_down_the_customer_still_gets_the_articles_answer(order_rule, openai_standin):
    openai_standin.script(status=500, times=0)  # every model call fails

    inbound = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="When will my parcel arrive?")

    conversation = Conversation.objects.get(pk=inbound.message.conversation_id)
    reply = conversation.messages.get(direction=Message.Direction.OUTBOUND, author_kind=Message.Author.AI)
    # The article's own sentence, quoted with its link: faithful without the model.
    assert reply.metadata["answer_method"] == "extractive"
    assert reply.metadata["citations"][0]["title"] == "Shipping times"
    quoted = reply.metadata["grounding"]["extractive"]["sentences"]
    article = Article.objects.get(title="Shipping times").body
    assert quoted and all(sentence in article for sentence in quoted) and quoted[0] in reply.text


def test_a_question_no_article_answers_goes_to_a_person_without_a_model_call(order_rule, openai_standin):
    inbound = message_receive(
        channel=Channel.WHATSAPP, address="+15551230000", text="Do you sponsor amateur football teams in Lisbon?"
    )

    conversation = Conversation.objects.get(pk=inbound.message.conversation_id)
    assert conversation.owner != Conversation.Owner.AI
    assert "unanswerable" in Message.objects.get(pk=inbound.message.pk).classification["human_reasons"]
    assert not conversation.messages.filter(author_kind=Message.Author.AI, direction="outbound").exists()
    assert openai_standin.chat_requests() == []
