import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agents.agent import Action, ai_agent_reply, ai_human_typing_mark, ai_resolution_sweep
from agents.models import AIConversationState, Intent, LLMCall, Procedure, SensitiveTopic
from agents.procedures import procedure_save
from agents.tasks import ai_agent_respond
from inbox.models import Channel, Conversation, Message
from inbox.rules.apply import customer_notify
from inbox.services import conversation_assign, message_receive
from tests.agents.kb import kb_load
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db

NEUTRAL = {"intent": "order_status", "confidence": 0.9, "sentiment": "neutral", "urgency": "normal", "language": "en"}


def answer(text="Standard shipping takes 3 to 5 business days [1].", **extra):
    return {"answer": text, "grounded": True, "citations": [1], "handoff": False, "handoff_team": "", **extra}


def customer_writes(text, *, channel=Channel.WHATSAPP, address="+15551230001", classification=None):
    message = message_receive(channel=channel, address=address, text=text, name="Maya").message
    Message.objects.filter(pk=message.pk).update(classification=classification or NEUTRAL)
    return message


def ai_conversation(text, **kwargs) -> Conversation:
    message = customer_writes(text, **kwargs)
    conversation = message.conversation
    if conversation.owner != Conversation.Owner.AI:
        conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, reason="by rule 'FAQ'")
    return Conversation.objects.get(pk=conversation.pk)


def handoff_note(conversation) -> str:
    return conversation.messages.get(direction=Message.Direction.NOTE).text


def assert_handed_off(conversation, outcome, reason_part):
    conversation.refresh_from_db()
    assert outcome.action == Action.HANDED_OFF and reason_part in outcome.reason
    assert conversation.owner == Conversation.Owner.UNASSIGNED
    assert not conversation.messages.filter(author_kind=Message.Author.AI, direction="outbound").exists()
    assert reason_part in handoff_note(conversation)
    # The assignment event explains the handoff (a notice to the customer may add its own event).
    events = conversation.messages.filter(direction=Message.Direction.EVENT, metadata__kind="assignment")
    assert any(reason_part in text for text in events.values_list("text", flat=True))


@pytest.fixture
def kb(db):
    return kb_load()


def test_a_grounded_answer_goes_out_on_the_customers_channel_with_citations(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer())

    outcome = ai_agent_reply(conversation=conversation)

    assert outcome.action == Action.ANSWERED
    reply = outcome.message
    assert (reply.direction, reply.author_kind, reply.channel) == ("outbound", "ai", Channel.WHATSAPP)
    assert reply.text == "Standard shipping takes 3 to 5 business days [1]."
    assert reply.metadata["citations"] == [{"n": 1, "article_id": kb["Shipping times"].pk, "title": "Shipping times"}]
    system = openai_standin.chat_requests()[0]["body"]["messages"][0]["content"]
    assert "[1] Shipping times" in system and "keep it short" in system
    assert AIConversationState.objects.get(conversation=conversation).ai_turns == 1
    assert LLMCall.objects.filter(purpose="agent_reply", outcome="ok", conversation_id=conversation.pk).exists()


def test_the_same_message_is_never_answered_twice(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer(), times=0)
    assert ai_agent_reply(conversation=conversation).action == Action.ANSWERED
    assert ai_agent_reply(conversation=conversation).action == Action.SKIPPED
    assert conversation.messages.filter(direction="outbound").count() == 1


def test_a_rules_auto_reply_is_not_an_answer(kb, openai_standin):
    # A rule hands the chat to the AI with "our AI assistant will help you now": the AI still answers.
    conversation = ai_conversation("When will my parcel arrive?")
    customer_notify(conversation=conversation, text="Hi! Our AI assistant will help you now.", kind="auto_reply")
    openai_standin.script(json=answer())

    outcome = ai_agent_reply(conversation=conversation)

    assert outcome.action == Action.ANSWERED and outcome.message.author_kind == Message.Author.AI


def test_a_conversation_the_ai_does_not_own_is_left_alone(kb, openai_standin):
    message = customer_writes("When will my parcel arrive?")
    assert ai_agent_reply(conversation=message.conversation).action == Action.SKIPPED
    assert openai_standin.requests == []


@pytest.mark.parametrize("text", ["Can I talk to a real person please?", "I want to speak to someone about my order"])
def test_the_customer_asking_for_a_person_is_handed_off(kb, openai_standin, text):
    conversation = ai_conversation(text)
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "the customer asked for a person")
    assert "Maya" in handoff_note(conversation) and text in handoff_note(conversation)
    assert openai_standin.chat_requests() == []


def test_negative_sentiment_is_handed_off(kb, openai_standin):
    conversation = ai_conversation("Where is my parcel", classification={**NEUTRAL, "sentiment": "negative"})
    assert_handed_off(conversation, ai_agent_reply(conversation=conversation), "negative sentiment")


def test_frustration_words_are_handed_off_even_when_the_classifier_missed_them(kb, openai_standin):
    conversation = ai_conversation("This is ridiculous, where is my parcel")
    assert_handed_off(conversation, ai_agent_reply(conversation=conversation), "negative sentiment")


def test_sensitive_topics_from_the_admin_list_are_handed_off(kb, openai_standin):
    SensitiveTopic.objects.create(phrase="chargeback")
    conversation = ai_conversation("I will file a Chargeback if the parcel does not arrive")
    assert_handed_off(conversation, ai_agent_reply(conversation=conversation), "sensitive topic: chargeback")


def test_no_grounded_answer_in_the_knowledge_base_is_handed_off(kb, openai_standin):
    conversation = ai_conversation("Do you sponsor amateur football teams in Lisbon?")
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "no grounded answer (best retrieval score")
    assert openai_standin.chat_requests() == []


def test_the_model_saying_the_sources_do_not_answer_is_handed_off(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer(grounded=False))
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "could not ground an answer")


def test_too_many_ai_turns_without_resolution_are_handed_off(kb, openai_standin, settings):
    settings.AI_MAX_TURNS = 2
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer(), times=0)
    assert ai_agent_reply(conversation=conversation).action == Action.ANSWERED
    customer_writes("And with express shipping?")
    assert ai_agent_reply(conversation=conversation).action == Action.ANSWERED
    customer_writes("What about the tracking number?")
    outcome = ai_agent_reply(conversation=conversation)
    assert outcome.action == Action.HANDED_OFF and outcome.reason == "2 AI answers without resolution"


@pytest.mark.parametrize(
    ("script", "reason"),
    [({"status": 500}, "the AI model failed"), ({"delay": 1.5, "json": answer()}, "the AI model timed out")],
)
def test_an_llm_outage_hands_off_with_the_reason(kb, openai_standin, settings, script, reason):
    settings.AI_TIMEOUT_SECONDS = 0.5
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(**script)
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, reason)
    assert LLMCall.objects.filter(purpose="agent_reply").exclude(outcome="ok").exists()


def test_a_human_typing_in_the_conversation_stops_the_ai_from_sending(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer())
    ai_human_typing_mark(conversation=conversation)
    outcome = ai_agent_reply(conversation=conversation)
    assert outcome.action == Action.SKIPPED and "typing" in outcome.reason
    assert not conversation.messages.filter(direction="outbound").exists()


@pytest.mark.django_db(transaction=True)
def test_a_human_taking_over_while_the_ai_generates_gets_no_ai_message(openai_standin):
    kb_load()
    conversation = ai_conversation("When will my parcel arrive?")
    human = AgentFactory(user__username="ben")
    took_over = threading.Event()

    def human_takes_over():
        # Runs in the stand-in's thread (its own database connection) while the model "generates".
        try:
            conversation_assign(conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=human.user)
            took_over.set()
        finally:
            connection.close()

    openai_standin.script(json=answer(), before=human_takes_over)
    outcome = ai_agent_reply(conversation=conversation)

    assert took_over.is_set()
    assert outcome.action == Action.SKIPPED and "human took over" in outcome.reason
    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.HUMAN and conversation.assignee == human.user
    assert not conversation.messages.filter(direction="outbound").exists()


def test_procedures_change_what_the_agent_does_without_code_changes(kb, openai_standin):
    billing = TeamFactory(name="Billing")
    refund = Procedure.objects.create(name="Refunds", intent=Intent.objects.get(name="refund"))
    procedure_save(procedure=refund, instructions="Answer refund questions from the articles.")
    # The "model" follows whatever procedure text it is given.
    openai_standin.script(match="hand off to Billing", json=answer(handoff=True, handoff_team="Billing"), times=0)
    openai_standin.script(json=answer("You have 30 days to return it [1]."), times=0)
    refund_question = {**NEUTRAL, "intent": "refund"}

    conversation = ai_conversation("How long do I have to return a jacket?", classification=refund_question)
    first = ai_agent_reply(conversation=conversation)
    assert first.action == Action.ANSWERED
    assert first.message.metadata["procedures"] == [{"name": "Refunds", "version": 1}]

    procedure_save(
        procedure=refund, instructions="Refund requests: ask for the order number, then hand off to Billing."
    )
    customer_writes("And how do I get my refund for order 1001?", classification=refund_question)
    second = ai_agent_reply(conversation=conversation)

    conversation.refresh_from_db()
    assert second.action == Action.HANDED_OFF and second.reason == "the procedure says to hand off to Billing"
    assert conversation.team == billing and conversation.owner == Conversation.Owner.UNASSIGNED
    assert "(v2): Refund requests" in openai_standin.chat_requests()[-1]["body"]["messages"][0]["content"]


def test_a_procedure_for_another_intent_is_not_used(kb, openai_standin):
    other = Procedure.objects.create(name="Sales", intent=Intent.objects.get(name="sales"))
    procedure_save(procedure=other, instructions="Offer the premium plan.")
    glob = Procedure.objects.create(name="Tone", is_global=True)
    procedure_save(procedure=glob, instructions="Always sign as Ada.")
    openai_standin.script(json=answer())
    ai_agent_reply(conversation=ai_conversation("When will my parcel arrive?"))
    system = openai_standin.chat_requests()[0]["body"]["messages"][0]["content"]
    assert "Always sign as Ada." in system and "premium" not in system


def test_the_customer_confirming_marks_the_conversation_resolved_by_the_ai(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer())
    ai_agent_reply(conversation=conversation)
    customer_writes("Thanks, that helped!", classification={**NEUTRAL, "intent": "thanks", "sentiment": "positive"})

    outcome = ai_agent_reply(conversation=conversation)

    conversation.refresh_from_db()
    assert outcome.action == Action.RESOLVED
    assert conversation.ai_resolution == "confirmed" and conversation.ai_resolved_at is not None
    assert conversation.status == Conversation.Status.RESOLVED


def test_thanks_without_a_grounded_answer_is_not_an_ai_resolution(kb, openai_standin):
    conversation = ai_conversation("thanks", classification={**NEUTRAL, "intent": "thanks"})
    outcome = ai_agent_reply(conversation=conversation)
    conversation.refresh_from_db()
    assert outcome.action != Action.RESOLVED and conversation.ai_resolution == ""


def test_no_reply_in_time_after_a_grounded_answer_counts_as_resolved(kb, openai_standin, settings):
    settings.AI_RESOLUTION_WAIT_MINUTES = 60
    quiet = ai_conversation("When will my parcel arrive?")
    replied = ai_conversation("Can I pay with PayPal?", channel=Channel.SMS, address="+15551230002")
    openai_standin.script(json=answer(), times=0)
    ai_agent_reply(conversation=quiet)
    ai_agent_reply(conversation=replied)
    assert ai_resolution_sweep() == 0  # not yet: the wait has not passed

    customer_writes("and Amex?", channel=Channel.SMS, address="+15551230002")
    later = timezone.now() + timedelta(minutes=61)
    assert ai_resolution_sweep(now=later) == 1

    quiet.refresh_from_db()
    replied.refresh_from_db()
    assert quiet.ai_resolution == "no_reply" and quiet.status == Conversation.Status.RESOLVED
    assert replied.ai_resolution == ""


def test_the_celery_task_runs_the_agent(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer())
    assert ai_agent_respond.delay(conversation.pk).get() == Action.ANSWERED
    assert ai_agent_respond.delay(conversation.pk).get() == Action.SKIPPED
    assert ai_agent_respond.delay(999999).get() == "missing"


def test_an_unclassified_message_is_classified_first(kb, openai_standin):
    message = message_receive(channel=Channel.WHATSAPP, address="+15551230003", text="When will my parcel arrive?")
    conversation_assign(conversation=message.message.conversation, owner=Conversation.Owner.AI)
    openai_standin.script(match="Classify", json=NEUTRAL)
    openai_standin.script(json=answer())
    assert ai_agent_reply(conversation=message.message.conversation).action == Action.ANSWERED
    message.message.refresh_from_db()
    assert message.message.classification == NEUTRAL


def test_an_answer_that_cannot_be_sent_is_handed_off_instead(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    conversation.customer.contact_points.all().delete()
    openai_standin.script(json=answer())
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "the answer could not be sent")


def test_a_local_model_still_building_hands_off_with_that_reason(kb, openai_standin, settings, tmp_path, monkeypatch):
    from agents import localmodel

    settings.AI_LOCAL_MODEL = True
    monkeypatch.setattr(localmodel, "STATUS_FILE", tmp_path / "local-llm.json")
    localmodel._write(state="building", percent=12)
    conversation = ai_conversation("When will my parcel arrive?")
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "Local model not ready yet: building (12%)")
    assert openai_standin.requests == []


def test_thanks_with_a_remaining_problem_is_not_a_resolution(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer(), times=0)
    ai_agent_reply(conversation=conversation)
    customer_writes("Thanks, but it still has not arrived", classification={**NEUTRAL, "intent": "thanks"})
    outcome = ai_agent_reply(conversation=conversation)
    conversation.refresh_from_db()
    assert outcome.action == Action.ANSWERED and conversation.ai_resolution == ""


@pytest.mark.django_db(transaction=True)
def test_a_draft_for_an_older_message_is_dropped_when_the_customer_wrote_again(openai_standin):
    kb_load()
    conversation = ai_conversation("When will my parcel arrive?")

    def customer_writes_again():  # in the stand-in's thread, on its own connection, while the model "generates"
        try:
            customer_writes("Also, can I pay with PayPal?")
        finally:
            connection.close()

    openai_standin.script(json=answer(), before=customer_writes_again)
    outcome = ai_agent_reply(conversation=conversation)
    assert outcome.action == Action.SKIPPED and outcome.reason == "a newer customer message arrived"
    openai_standin.script(json=answer("Yes, PayPal works [1]."))
    assert ai_agent_reply(conversation=conversation).message.text == "Yes, PayPal works [1]."


def test_a_short_follow_up_is_searched_together_with_the_previous_question(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(json=answer(), times=0)
    ai_agent_reply(conversation=conversation)
    customer_writes("and abroad?")  # alone it matches nothing (score 0.11)
    outcome = ai_agent_reply(conversation=conversation)
    assert outcome.action == Action.ANSWERED and outcome.passages[0].title == "Shipping times"
