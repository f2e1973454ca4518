"""Handoff both ways through the normal assignment path, telling the customer what happens next."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.handback import conversation_handback_to_ai, expected_wait_minutes
from inbox.hours import business_hours_set
from inbox.models import Conversation, Message
from inbox.services import conversation_assign, conversation_handoff_to_human, message_receive
from tests.factories import AgentFactory, ConversationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def ai_conversation(team=None):
    received = message_receive(channel="whatsapp", address="+15557770000", text="I need a human", name="Maya")
    conversation = received.message.conversation
    return conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, team=team, reason="by test")


def told(conversation):
    return list(
        conversation.messages.filter(direction=Message.Direction.OUTBOUND).values_list("text", "author_kind", "channel")
    )


def test_handoff_assigns_an_online_agent_and_tells_the_customer_who_takes_over():
    support = TeamFactory(name="Support")
    ana = AgentFactory(user__first_name="Ana", user__last_name="Souza")
    ana.teams.add(support)
    conversation = ai_conversation(team=support)
    handed = conversation_handoff_to_human(conversation=conversation, reason="asked for a person",
                                           summary="Wants to cancel order 1001")  # fmt: skip
    assert handed.owner == Conversation.Owner.HUMAN and handed.assignee == ana.user
    assert told(handed) == [
        ("I'm passing you to Ana from our Support team, who will reply here shortly.", "system", "whatsapp")
    ]
    events = list(handed.messages.filter(direction="event").values_list("text", flat=True))
    assert any(
        e.startswith("Assigned to Ana Souza after a handoff from the AI agent (asked for a person)") for e in events
    )


def test_handoff_after_hours_gives_the_next_opening_time():
    billing = TeamFactory(name="Billing")
    AgentFactory().teams.add(billing)
    business_hours_set(team=billing, timezone="Europe/Berlin", weekly={"0": [["09:00", "17:00"]]}, holidays=[])
    conversation = ai_conversation()
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    # The customer wrote an hour before: WhatsApp's 24-hour window is open for the notice.
    Conversation.objects.filter(pk=conversation.pk).update(whatsapp_last_inbound_at=saturday - timedelta(hours=1))
    with mock.patch("django.utils.timezone.now", return_value=saturday):
        handed = conversation_handoff_to_human(conversation=conversation, reason="refund", summary="", team=billing)
    assert handed.owner == Conversation.Owner.UNASSIGNED and handed.team == billing
    assert told(handed)[0][0] == (
        "I'm passing you to our Billing team. They are closed right now and open Monday 30 Nov at 09:00 "
        "(Europe/Berlin); they'll pick this up then."
    )


def test_handoff_to_a_busy_team_quotes_the_recent_median_wait():
    support = TeamFactory(name="Support")
    now = timezone.now()
    for minutes in (10, 20, 90):
        c = ConversationFactory(team=support)
        start = now - timedelta(hours=3)
        Conversation.objects.filter(pk=c.pk).update(
            created_at=start, first_response_at=start + timedelta(minutes=minutes)
        )
    assert expected_wait_minutes(support) == 20
    handed = conversation_handoff_to_human(conversation=ai_conversation(), reason="x", summary="", team=support)
    assert told(handed)[0][0] == "I'm passing you to a member of our team; the expected wait is about 20 minutes."


def test_an_agent_hands_back_to_the_ai_with_a_note():
    ana = AgentFactory(user__first_name="Ana")
    conversation = ConversationFactory()
    conversation_assign(conversation=conversation, owner="human", assignee=ana.user)
    with pytest.raises(ValidationError, match="note"):
        conversation_handback_to_ai(conversation=conversation, actor=ana.user, note="  ")
    back = conversation_handback_to_ai(conversation=conversation, actor=ana.user, note="Address confirmed; "
                                       "just send tracking", procedure="order-status")  # fmt: skip
    assert back.owner == Conversation.Owner.AI and back.assignee is None and back.ai_procedure == "order-status"
    assert back.messages.get(direction="note").text == "Handback to AI: Address confirmed; just send tracking"
    assert (
        back.messages.filter(direction="event")
        .latest("pk")
        .text.startswith("Handed to the AI agent by Ana (handback: Address confirmed")
    )


def test_an_agent_takes_over_from_the_ai_and_hands_back_over_http(agent_client, agent):
    from django.test import Client

    conversation = ConversationFactory()
    conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, reason="by rule 'FAQ'")
    assert Client().post(f"/conversations/{conversation.pk}/take-over/").status_code == 302  # to login
    response = agent_client.post(f"/conversations/{conversation.pk}/take-over/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.HUMAN and conversation.assignee == agent.user
    assert conversation.messages.latest("pk").text == "Assigned to Ana by Ana, who took it over from the AI agent"

    refused = agent_client.post(f"/conversations/{conversation.pk}/handback/", {"note": ""})
    assert refused.status_code == 400 and b"note" in refused.content
    back = agent_client.post(f"/conversations/{conversation.pk}/handback/", {"note": "Send tracking"})
    assert back.status_code == 302
    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.AI


def test_a_handoff_without_a_team_uses_the_default_rules_team():
    from inbox.rules.engine import rules_active

    support = TeamFactory(name="Support")
    ben = AgentFactory(user__first_name="Ben")
    ben.teams.add(support)
    default = rules_active()[-1]
    default.actions = {"owner": "team", "team_id": support.pk}
    default.save()
    handed = conversation_handoff_to_human(conversation=ai_conversation(), reason="asked", summary="")
    assert handed.team == support and handed.assignee == ben.user
