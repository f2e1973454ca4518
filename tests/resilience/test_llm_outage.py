"""The LLM endpoint hanging or down: AI-owned conversations reach a person within 30 s, with the reason."""

import time

import pytest

from inbox.models import Channel, Conversation, Message
from inbox.services import message_receive
from tests.factories import RoutingRuleFactory

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]
PRODUCTION_TIMEOUT, PRODUCTION_RETRIES = 12.0, 1  # config/settings.py defaults for a remote endpoint


@pytest.fixture
def whatsapp_to_ai(settings):
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = PRODUCTION_TIMEOUT, PRODUCTION_RETRIES
    return RoutingRuleFactory(
        name="WhatsApp to the AI", conditions=[{"field": "channel", "value": ["whatsapp"]}], actions={"owner": "ai"}
    )


def handoff_reason(conversation: Conversation) -> str:
    events = conversation.messages.filter(direction=Message.Direction.EVENT).values_list("text", flat=True)
    return " | ".join(events)


@pytest.mark.slow
def test_a_hanging_model_hands_the_conversation_to_a_person_within_30_seconds(whatsapp_to_ai, openai_standin):
    openai_standin.script(delay=120, times=0)  # every request hangs

    started = time.monotonic()
    inbound = message_receive(channel=Channel.WHATSAPP, address="+15551239999", text="Where is my parcel?")
    elapsed = time.monotonic() - started

    conversation = Conversation.objects.get(pk=inbound.message.conversation_id)
    assert conversation.owner != Conversation.Owner.AI
    assert elapsed < 30, f"the customer waited {elapsed:.0f} s for a person"
    assert "AI model is unavailable" in handoff_reason(conversation)
    assert "timed out" in handoff_reason(conversation).lower()


def test_a_down_model_hands_off_at_once_with_the_reason(whatsapp_to_ai, openai_standin):
    openai_standin.script(status=503, times=0)

    started = time.monotonic()
    inbound = message_receive(channel=Channel.WHATSAPP, address="+15551238888", text="Where is my parcel?")

    conversation = Conversation.objects.get(pk=inbound.message.conversation_id)
    assert conversation.owner != Conversation.Owner.AI
    assert time.monotonic() - started < 30
    assert "AI model is unavailable" in handoff_reason(conversation)
