"""The inbound pipeline: message_receive -> (on commit) inbound_message_process -> rules applied,
each ownership change explained in the timeline."""

from datetime import UTC, datetime
from unittest import mock

import pytest

from inbox.hours import business_hours_set
from inbox.models import Channel, Conversation, Message
from inbox.rules.apply import conversation_route
from inbox.services import conversation_assign, conversation_set_status, message_append_outbound, message_receive
from inbox.tasks import inbound_message_process
from tests.factories import AgentFactory, RoutingRuleFactory, SlaPolicyFactory, TeamFactory

pytestmark = pytest.mark.django_db


def receive(capture, text="Where is my order?", channel=Channel.WHATSAPP, address="+15551230001", **kw):
    with capture(execute=True):
        received = message_receive(channel=channel, address=address, text=text, **kw)
    return Conversation.objects.get(pk=received.message.conversation_id), received.message


@pytest.fixture(autouse=True)
def ai_dispatched(monkeypatch):
    """The AI agent's turn is recorded, not run: these tests are about who gets the conversation."""
    from agents import tasks

    dispatched: list[int] = []
    monkeypatch.setattr(
        tasks.ai_agent_respond, "delay", lambda conversation_id, **_: dispatched.append(conversation_id)
    )
    return dispatched


def events(conversation):
    return list(conversation.messages.filter(direction=Message.Direction.EVENT).values_list("text", flat=True))


def test_a_rule_gives_a_new_whatsapp_conversation_to_the_ai_with_a_procedure_and_says_why(
    django_capture_on_commit_callbacks, ai_dispatched
):
    RoutingRuleFactory(name="Order status questions", match="any",
                       conditions=[{"field": "text_contains", "value": ["order"]}],
                       actions={"owner": "ai", "procedure": "order-status", "stop": True})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks)
    assert conversation.owner == Conversation.Owner.AI and conversation.ai_procedure == "order-status"
    assert ai_dispatched == [conversation.pk], "the AI agent is asked to answer"
    assert (
        "Handed to the AI agent by rule 'Order status questions': text contains 'order' "
        "with procedure 'order-status'" in events(conversation)
    )


def test_the_explanation_names_classification_and_business_hours(django_capture_on_commit_callbacks):
    team = TeamFactory(name="Support")
    business_hours_set(team=team, timezone="UTC", weekly={}, holidays=[])  # never open
    RoutingRuleFactory(name="Order status questions",
                       conditions=[{"field": "intent", "value": ["order_status"], "min_confidence": 0.8},
                                   {"field": "business_hours", "value": "closed", "team_id": team.pk}],
                       actions={"owner": "ai"})  # fmt: skip

    def classify(message_id):  # what the AI helper's classification step will store
        decided = {"intent": "order_status", "confidence": 0.93, "human_reasons": []}
        Message.objects.filter(pk=message_id).update(classification=decided)

    with mock.patch("inbox.tasks.inbound_message_process.delay", side_effect=lambda mid: (classify(mid),
                    inbound_message_process(mid))):  # fmt: skip
        conversation, _ = receive(django_capture_on_commit_callbacks)
    assert (
        "Handed to the AI agent by rule 'Order status questions': intent=order_status 0.93, "
        "business hours closed (Support)" in events(conversation)
    )


def test_failed_classification_never_matches_and_never_crashes(django_capture_on_commit_callbacks):
    RoutingRuleFactory(name="Angry", conditions=[{"field": "sentiment", "value": ["negative"]}],
                       actions={"owner": "ai"})  # fmt: skip
    conversation, message = receive(django_capture_on_commit_callbacks)
    Message.objects.filter(pk=message.pk).update(classification={"error": "model timeout"})
    message.refresh_from_db()
    decision = conversation_route(message=message)
    assert [r.is_default for r in decision.matched_rules] == [True]
    assert [c.detail for c in decision.results[0].conditions] == ["no classification"]
    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.UNASSIGNED


def test_team_rule_assigns_an_online_agent_and_sets_priority_tags_and_sla(django_capture_on_commit_callbacks):
    billing = TeamFactory(name="Billing")
    chloe = AgentFactory(user__first_name="Chloe", user__last_name="Martin")
    chloe.teams.add(billing)
    sla = SlaPolicyFactory(name="Billing SLA", first_response_minutes=30)
    RoutingRuleFactory(name="Refunds", conditions=[{"field": "text_contains", "value": ["refund"]}],
                       actions={"owner": "team", "team_id": billing.pk, "priority": 3, "tags": ["refund"],
                                "sla_policy_id": sla.pk, "stop": True})  # fmt: skip
    conversation, message = receive(django_capture_on_commit_callbacks, text="I want a refund please")
    assert conversation.owner == Conversation.Owner.HUMAN and conversation.assignee == chloe.user
    assert conversation.team == billing and conversation.priority == 3 and conversation.tags == ["refund"]
    assert conversation.sla_policy == sla
    assert abs((conversation.first_response_due_at - message.created_at).total_seconds() - 30 * 60) < 5
    expected = "Assigned to Chloe Martin by rule 'Refunds': text contains 'refund' (least loaded in Billing)"
    assert expected in events(conversation)


def test_a_rule_naming_an_agent_assigns_them(django_capture_on_commit_callbacks):
    dev = AgentFactory(user__first_name="Dev", user__last_name="Patel")
    RoutingRuleFactory(name="Dev's accounts", conditions=[{"field": "channel", "value": ["whatsapp"]}],
                       actions={"owner": "agent", "agent_id": dev.user_id})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks)
    assert conversation.assignee == dev.user
    assert "Assigned to Dev Patel by rule 'Dev's accounts': channel=whatsapp" in events(conversation)


def test_an_auto_reply_goes_out_once_per_conversation(django_capture_on_commit_callbacks):
    RoutingRuleFactory(name="Hello", conditions=[{"field": "channel", "value": ["whatsapp"]}],
                       actions={"owner": "ai", "auto_reply": "Thanks, we got your message."})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks)
    receive(django_capture_on_commit_callbacks, text="Hello again?")
    replies = conversation.messages.filter(direction=Message.Direction.OUTBOUND)
    assert [(m.text, m.author_kind, m.channel) for m in replies] == [
        ("Thanks, we got your message.", Message.Author.SYSTEM, Channel.WHATSAPP)
    ]


def test_after_hours_the_customer_is_told_the_next_opening_and_the_conversation_waits(
    django_capture_on_commit_callbacks,
):
    team = TeamFactory(name="Support")
    AgentFactory().teams.add(team)  # online, but the team is closed
    business_hours_set(team=team, timezone="Europe/Berlin", weekly={"0": [["09:00", "17:00"]]}, holidays=[])
    RoutingRuleFactory(name="Support", conditions=[{"field": "channel", "value": ["whatsapp"]}],
                       actions={"owner": "team", "team_id": team.pk, "after_hours": "queue"})  # fmt: skip
    sunday_night = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=sunday_night):
        conversation, _ = receive(django_capture_on_commit_callbacks)
        receive(django_capture_on_commit_callbacks, text="Anyone?")
    assert conversation.owner == Conversation.Owner.UNASSIGNED and conversation.team == team
    acks = list(conversation.messages.filter(direction=Message.Direction.OUTBOUND).values_list("text", flat=True))
    assert acks == [
        "Thanks for your message. Our Support team is closed right now; we open tomorrow at 09:00 (Europe/Berlin) "
        "and will reply then."
    ]
    assert any("Support is closed until tomorrow at 09:00 (Europe/Berlin)" in e for e in events(conversation))


def test_a_message_routed_late_is_told_the_next_opening_from_now(django_capture_on_commit_callbacks):
    team = TeamFactory(name="Support")
    business_hours_set(team=team, timezone="Europe/Berlin", weekly={"0": [["09:00", "17:00"]]}, holidays=[])
    RoutingRuleFactory(name="Support", conditions=[{"field": "channel", "value": ["whatsapp"]}],
                       actions={"owner": "team", "team_id": team.pk, "after_hours": "queue"})  # fmt: skip
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 11, 22, 21, 0, tzinfo=UTC)):  # Sunday
        message = message_receive(channel=Channel.WHATSAPP, address="+15551230001", text="Where is my order?").message
    # Its pipeline runs on Monday evening (a broker outage, then the sweep): Monday's hours are over.
    with (
        mock.patch("django.utils.timezone.now", return_value=datetime(2026, 11, 23, 19, 0, tzinfo=UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        inbound_message_process(message.pk)
    [ack] = message.conversation.messages.filter(direction=Message.Direction.OUTBOUND).values_list("text", flat=True)
    assert "we open Monday 30 Nov at 09:00 (Europe/Berlin)" in ack, "not 'tomorrow', which was already past"


def test_after_hours_a_rule_can_give_the_conversation_to_the_ai(django_capture_on_commit_callbacks):
    team = TeamFactory(name="Support")
    business_hours_set(team=team, timezone="UTC", weekly={}, holidays=[])
    RoutingRuleFactory(name="Support", conditions=[{"field": "channel", "value": ["whatsapp"]}],
                       actions={"owner": "team", "team_id": team.pk, "after_hours": "ai"})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks)
    assert conversation.owner == Conversation.Owner.AI and conversation.team == team


def test_rules_run_on_every_message_while_the_ai_owns_it_but_never_overrule_a_human(
    django_capture_on_commit_callbacks,
):
    support = TeamFactory(name="Support")
    ana = AgentFactory(user__first_name="Ana")
    ana.teams.add(support)
    RoutingRuleFactory(name="Upset", position=1, conditions=[{"field": "text_contains", "value": ["useless"]}],
                       actions={"owner": "team", "team_id": support.pk})  # fmt: skip
    RoutingRuleFactory(name="AI first", position=2, conditions=[{"field": "channel", "value": ["whatsapp"]}],
                       actions={"owner": "ai"})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks)
    assert conversation.owner == Conversation.Owner.AI
    conversation, _ = receive(django_capture_on_commit_callbacks, text="this bot is useless")
    assert conversation.owner == Conversation.Owner.HUMAN and conversation.assignee == ana.user
    # An escalation from the AI is a handoff: summary note, explanation, and the customer told.
    note = conversation.messages.get(direction=Message.Direction.NOTE).text
    assert note.startswith("Handoff summary: Escalated from the AI by rule 'Upset': text contains 'useless'.")
    assert "after a handoff from the AI agent (rule 'Upset': text contains 'useless')" in events(conversation)[-1]
    told = conversation.messages.filter(direction=Message.Direction.OUTBOUND).get()
    assert told.text.startswith("I'm passing you to") and told.author_kind == Message.Author.SYSTEM
    other = AgentFactory()
    conversation_assign(conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=other.user)
    conversation, _ = receive(django_capture_on_commit_callbacks, text="useless again")
    assert conversation.assignee == other.user


def test_an_inbound_auto_reply_is_not_routed(django_capture_on_commit_callbacks):
    RoutingRuleFactory(name="Email to AI", conditions=[{"field": "channel", "value": ["email"]}],
                       actions={"owner": "ai"})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks, channel=Channel.EMAIL, address="ooo@example.com",
                              text="I am out of office", metadata={"auto_reply": True})  # fmt: skip
    assert conversation.owner == Conversation.Owner.UNASSIGNED and not events(conversation)


@pytest.mark.parametrize("resolve", [False, True])
def test_a_message_an_agent_answered_before_routing_ran_is_not_routed(
    django_capture_on_commit_callbacks, ai_dispatched, resolve
):
    # Routing waits on classification (slow with a small local model); meanwhile an agent answers
    # the chat, and may resolve it. The late routing must not hand it to the AI or auto-reply.
    RoutingRuleFactory(name="Night-time chat to the AI", conditions=[{"field": "channel", "value": ["chat"]}],
                       actions={"owner": "ai", "auto_reply": "Our AI assistant will help you now."})  # fmt: skip
    agent = AgentFactory()
    message = message_receive(channel=Channel.CHAT, address="visitor-1", text="Can a person help?").message
    conversation = message.conversation
    message_append_outbound(conversation=conversation, channel=Channel.CHAT, text="Sure, I'm Ana.", author=agent.user)
    if resolve:
        conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=agent.user)

    with django_capture_on_commit_callbacks(execute=True):
        inbound_message_process(message.pk)

    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.UNASSIGNED and ai_dispatched == []
    assert not conversation.messages.filter(author_kind=Message.Author.SYSTEM, direction="outbound").exists()


def test_a_reopened_conversation_and_a_returning_customer_are_seen_by_the_rules(django_capture_on_commit_callbacks):
    from inbox.services import conversation_set_status

    RoutingRuleFactory(name="Reopened", position=1, conditions=[{"field": "reopened", "value": True}],
                       actions={"owner": "", "tags": ["reopened"], "stop": False})  # fmt: skip
    RoutingRuleFactory(name="Returning", position=2, conditions=[{"field": "customer_kind", "value": "returning"}],
                       actions={"owner": "", "tags": ["returning"], "stop": False})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks)
    assert conversation.tags == []
    conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED)
    # An email-style reply threads into the resolved conversation and reopens it.
    reopened, _ = receive(django_capture_on_commit_callbacks, text="it's me again", conversation_id=conversation.pk)
    assert reopened.pk == conversation.pk and reopened.tags == ["reopened"]
    conversation_set_status(conversation=reopened, status=Conversation.Status.RESOLVED)
    fresh, _ = receive(django_capture_on_commit_callbacks, text="new question")
    assert fresh.pk != conversation.pk and fresh.tags == ["returning"]


def test_the_default_rule_never_takes_a_conversation_away_from_the_ai(django_capture_on_commit_callbacks):
    from inbox.rules.engine import rules_active

    support = TeamFactory(name="Support")
    AgentFactory().teams.add(support)
    default = rules_active()[-1]
    default.actions = {"owner": "team", "team_id": support.pk}
    default.save()
    RoutingRuleFactory(name="Orders", conditions=[{"field": "text_contains", "value": ["order"]}],
                       actions={"owner": "ai"})  # fmt: skip
    conversation, _ = receive(django_capture_on_commit_callbacks, text="where is my order")
    assert conversation.owner == Conversation.Owner.AI
    conversation, _ = receive(django_capture_on_commit_callbacks, text="thanks!")  # only the default matches
    assert conversation.owner == Conversation.Owner.AI


@pytest.mark.django_db(transaction=True)
def test_two_workers_routing_the_same_conversation_send_one_auto_reply():
    import threading

    from django.db import connection

    RoutingRuleFactory(name="Hello", conditions=[{"field": "channel", "value": ["sms"]}],
                       actions={"owner": "ai", "auto_reply": "Got it."})  # fmt: skip
    with mock.patch("inbox.services.messages._inbound_enqueue"):  # route by hand below, concurrently
        first = message_receive(channel="sms", address="+15550002222", text="one").message
        second = message_receive(channel="sms", address="+15550002222", text="two").message
    barrier = threading.Barrier(2)

    def work(message):
        try:
            barrier.wait()
            conversation_route(message=message)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(m,)) for m in (first, second)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    conversation = first.conversation
    assert conversation.messages.filter(direction=Message.Direction.OUTBOUND).count() == 1
    assert conversation.messages.filter(text__startswith="Handed to the AI agent").count() == 1
