"""The whole inbound pipeline on real services: classify -> route -> the AI agent answers (or hands off)."""

import pytest

from agents.defaults import intents_ensure_defaults
from inbox.models import Channel, Conversation, Message
from inbox.services import message_receive
from tests.agents.kb import kb_load
from tests.factories import RoutingRuleFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_STATUS = {"intent": "order_status", "confidence": 0.93, "sentiment": "neutral", "urgency": "normal",
                "language": "en"}  # fmt: skip


@pytest.fixture
def order_rule():
    intents_ensure_defaults()
    kb_load()
    return RoutingRuleFactory(
        name="Order status questions",
        conditions=[{"field": "intent", "value": ["order_status"], "min_confidence": 0.8}],
        actions={"owner": "ai", "stop": True},
    )


def test_a_routine_question_is_classified_routed_to_the_ai_and_answered_with_a_citation(order_rule, openai_standin):
    openai_standin.script(json=ORDER_STATUS)  # the classification
    openai_standin.script(json={"answer": "Standard shipping takes 3 to 5 business days [1].", "grounded": True,
                                "citations": [1], "handoff": False, "handoff_team": ""})  # fmt: skip

    inbound = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="When will my parcel arrive?")

    inbound.message.refresh_from_db()
    assert inbound.message.classification["intent"] == "order_status"
    conversation = Conversation.objects.get(pk=inbound.message.conversation_id)
    assert conversation.owner == Conversation.Owner.AI
    reply = conversation.messages.get(direction=Message.Direction.OUTBOUND, author_kind=Message.Author.AI)
    assert reply.channel == Channel.WHATSAPP and "3 to 5 business days" in reply.text
    assert reply.metadata["citations"]
    explanation = conversation.messages.filter(direction=Message.Direction.EVENT).values_list("text", flat=True)
    assert any("by rule 'Order status questions': intent=order_status 0.93" in e for e in explanation)


def test_when_the_model_is_down_the_ai_hands_the_conversation_to_a_human(order_rule, openai_standin):
    openai_standin.script(json=ORDER_STATUS)
    openai_standin.script(status=500, times=5)  # the answer fails

    inbound = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="When will my parcel arrive?")

    conversation = Conversation.objects.get(pk=inbound.message.conversation_id)
    assert conversation.owner != Conversation.Owner.AI
    assert not conversation.messages.filter(author_kind=Message.Author.AI, direction="outbound").exists()
    events = " ".join(conversation.messages.filter(direction="event").values_list("text", flat=True))
    assert "the AI model failed" in events
