import pytest
from django.core.exceptions import ValidationError

from inbox.models import Conversation, Message
from inbox.services import conversation_assign, conversation_handoff_to_human
from tests.factories import ConversationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_a_handoff_leaves_the_ai_with_a_summary_and_a_reason():
    conversation = ConversationFactory()
    conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, reason="by rule 'FAQ'")
    billing = TeamFactory(name="Billing")

    handed = conversation_handoff_to_human(
        conversation=conversation,
        reason="customer asked for a person",
        summary="Wants a refund for #1001",
        team=billing,
    )

    assert handed.owner == Conversation.Owner.UNASSIGNED and handed.team == billing
    note = conversation.messages.get(direction=Message.Direction.NOTE)
    assert note.text == "Handoff summary: Wants a refund for #1001"
    event = conversation.messages.filter(direction=Message.Direction.EVENT, metadata__kind="assignment").latest("pk")
    assert "customer asked for a person" in event.text and "Billing" in event.text


def test_a_handoff_without_a_reason_is_refused():
    conversation = ConversationFactory(owner=Conversation.Owner.AI)
    with pytest.raises(ValidationError):
        conversation_handoff_to_human(conversation=conversation, reason=" ", summary="x")
    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.AI and not conversation.messages.exists()


def test_a_handoff_is_counted_with_its_reason_on_the_dashboard():
    from django.utils import timezone

    from inbox.metrics.facts import conversation_facts_refresh
    from inbox.metrics.kpis import Filters, kpi_handoff_reasons

    conversation = ConversationFactory()
    conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, reason="by rule 'FAQ'")
    conversation_handoff_to_human(conversation=conversation, reason="customer asked for a person", summary="")
    conversation_facts_refresh()
    today = timezone.localdate()
    assert kpi_handoff_reasons(Filters(start=today, end=today)) == [
        {"handoff_reason": "customer asked for a person", "n": 1}
    ]
