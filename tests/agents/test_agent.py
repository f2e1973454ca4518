import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agents.agent import Action, ai_agent_reply, ai_human_typing_mark, ai_resolution_sweep
from agents.decisions import kb_passages, text_decide
from agents.grounding import sentences_split
from agents.models import AIConversationState, Intent, LLMCall, Procedure, SensitiveTopic
from agents.procedures import procedure_save
from agents.tasks import ai_agent_respond
from inbox.models import Channel, Conversation, Message
from inbox.rules.apply import customer_notify
from inbox.services import conversation_assign, message_receive
from tests.agents.kb import ARTICLES, kb_load
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db

# What the "model" says: facts stated in the test knowledge base's articles (tests/agents/kb.py).
SHIPPING = "Standard shipping takes 3 to 5 business days."
RETURNS = "You can return any item within 30 days of delivery for a full refund."
PAYPAL = "Yes, we accept PayPal."
RETURN_QUESTION = "How long do I have to return a jacket?"
# The "Payment methods" article comes up for it, but none of its sentences says anything about VAT.
VAT_QUESTION = "Do you charge VAT?"


def customer_writes(text, *, channel=Channel.WHATSAPP, address="+15551230001", classification=None):
    """A customer message as the inbound pipeline leaves it: undecided, unless a decision is given."""
    message = message_receive(channel=channel, address=address, text=text, name="Maya").message
    if classification is not None:
        Message.objects.filter(pk=message.pk).update(classification=classification)
    return message


def ai_conversation(text, **kwargs) -> Conversation:
    message = customer_writes(text, **kwargs)
    conversation = message.conversation
    if conversation.owner != Conversation.Owner.AI:
        conversation_assign(conversation=conversation, owner=Conversation.Owner.AI, reason="by rule 'FAQ'")
    return Conversation.objects.get(pk=conversation.pk)


def last_decision(conversation) -> dict:
    return conversation.messages.filter(direction="inbound").latest("created_at").classification


def article_url(article) -> str:
    """Absolute: the reply is read off-site."""
    assert settings.PUBLIC_BASE_URL.startswith(("http://", "https://"))
    return settings.PUBLIC_BASE_URL + reverse("agents:article_public", args=[article.pk])


def with_link(body, article) -> str:
    """A WhatsApp reply: the body, then the article's link on its own line (added by code)."""
    return f"{body}\nMore: {article.title} \u2013 {article_url(article)}"


def article_sentences(article) -> set[str]:
    return set(sentences_split(ARTICLES[article.title]))


def handoff_note(conversation) -> str:
    return conversation.messages.get(direction=Message.Direction.NOTE).text


def assert_handed_off(conversation, outcome, reason_part, *, earlier_answers=0):
    """Handed to a person, with ``reason_part`` in the reason, the note and the assignment event, and
    no AI message beyond the ``earlier_answers`` the conversation already had."""
    conversation.refresh_from_db()
    assert outcome.action == Action.HANDED_OFF and reason_part in outcome.reason
    assert conversation.owner == Conversation.Owner.UNASSIGNED
    ai_messages = conversation.messages.filter(author_kind=Message.Author.AI, direction="outbound")
    assert ai_messages.count() == earlier_answers
    assert reason_part in handoff_note(conversation)
    # The assignment event explains the handoff (a notice to the customer may add its own event).
    events = conversation.messages.filter(direction=Message.Direction.EVENT, metadata__kind="assignment")
    assert any(reason_part in text for text in events.values_list("text", flat=True))


def assert_extractive(outcome, article, *, fallback, answering_sentence):
    """The article's own sentences went out with its link, because of ``fallback``."""
    assert outcome.action == Action.ANSWERED
    reply = outcome.message
    body, _, link = reply.text.rpartition("\n")
    assert link == f"More: {article.title} \u2013 {article_url(article)}"
    quoted = sentences_split(body)
    assert quoted and set(quoted) <= article_sentences(article)
    assert answering_sentence in quoted
    assert reply.metadata["answer_method"] == "extractive" and reply.metadata["grounded"] is True
    assert reply.metadata["citations"] == [
        {"n": 1, "article_id": article.pk, "title": article.title, "url": article_url(article)}
    ]
    assert reply.metadata["grounding"]["fallback"] == fallback
    assert reply.metadata["grounding"]["extractive"]["sentences"] == quoted


@pytest.fixture
def kb(db):
    return kb_load()


@pytest.fixture(autouse=True)
def _decisions_warm(db):
    """A running worker has the sentence encoder loaded and the decision heads fitted. A cold process
    spends ~30 s on the first decision (on a busy 2-core machine), which would use up the reply deadline
    before the model is asked (and make the first test of a run answer extractively)."""
    text_decide(text="warm up")


def test_a_grounded_answer_goes_out_on_the_customers_channel_with_the_article_link(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    # The small model sometimes writes a [n] marker: the customer gets the link instead.
    openai_standin.script(content=f"{SHIPPING[:-1]} [1].")

    outcome = ai_agent_reply(conversation=conversation)

    assert outcome.action == Action.ANSWERED
    reply = outcome.message
    assert (reply.direction, reply.author_kind, reply.channel) == ("outbound", "ai", Channel.WHATSAPP)
    assert reply.text == with_link(SHIPPING, kb["Shipping times"])
    url = article_url(kb["Shipping times"])
    assert reply.metadata["citations"] == [
        {"n": 1, "article_id": kb["Shipping times"].pk, "title": "Shipping times", "url": url}
    ]
    assert reply.metadata["answer_method"] == "generated" and reply.metadata["grounded"] is True
    assert reply.metadata["grounding"]["passed"] is True and reply.metadata["grounding"]["failures"] == []
    assert reply.metadata["retrieval_score"] >= 0.5 and reply.metadata["procedures"] == []
    request = openai_standin.chat_requests()[0]["body"]
    system = request["messages"][0]["content"]
    assert request["temperature"] == 0
    assert "Answer the customer's question in English" in system and "one or two short sentences" in system
    assert 'Help article "Shipping times"' in system and "Standard shipping takes 3 to 5 business days" in system
    assert request["messages"][1] == {"role": "user", "content": "When will my parcel arrive?"}
    assert AIConversationState.objects.get(conversation=conversation).ai_turns == 1
    assert LLMCall.objects.filter(purpose="agent_answer", outcome="ok", conversation_id=conversation.pk).count() == 1
    assert not LLMCall.objects.filter(purpose="agent_reply").exists()


def test_the_same_message_is_never_answered_twice(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(content=SHIPPING, times=0)
    assert ai_agent_reply(conversation=conversation).action == Action.ANSWERED
    assert ai_agent_reply(conversation=conversation).action == Action.SKIPPED
    assert conversation.messages.filter(direction="outbound").count() == 1
    assert len(openai_standin.chat_requests()) == 1


def test_a_rules_auto_reply_is_not_an_answer(kb, openai_standin):
    # A rule hands the chat to the AI with "our AI assistant will help you now": the AI still answers.
    conversation = ai_conversation("When will my parcel arrive?")
    customer_notify(conversation=conversation, text="Hi! Our AI assistant will help you now.", kind="auto_reply")
    openai_standin.script(content=SHIPPING)

    outcome = ai_agent_reply(conversation=conversation)

    assert outcome.action == Action.ANSWERED and outcome.message.author_kind == Message.Author.AI
    assert outcome.message.text == with_link(SHIPPING, kb["Shipping times"])


def test_a_conversation_the_ai_does_not_own_is_left_alone(kb, openai_standin):
    message = customer_writes("When will my parcel arrive?")
    assert message.conversation.owner != Conversation.Owner.AI
    assert ai_agent_reply(conversation=message.conversation).action == Action.SKIPPED
    assert openai_standin.requests == []
    assert not message.conversation.messages.filter(direction="outbound").exists()


@pytest.mark.parametrize("text", ["Can I talk to a real person please?", "I want to speak to someone about my order"])
def test_the_customer_asking_for_a_person_is_handed_off(kb, openai_standin, text):
    conversation = ai_conversation(text)  # undecided: the agent decides it itself

    outcome = ai_agent_reply(conversation=conversation)

    decision = last_decision(conversation)
    assert decision["human_reasons"] == ["asks_human"]
    assert outcome.reason == f"Asks for a person ({decision['signals']['asks_human']})"
    assert_handed_off(conversation, outcome, "Asks for a person (")
    note = handoff_note(conversation)
    assert "Maya" in note and text in note and "needs a person: asks for a person" in note
    assert openai_standin.chat_requests() == []


@pytest.mark.parametrize(
    "text", ["This is ridiculous, where is my parcel", "I am furious, this is the third time my parcel is late!"]
)
def test_negative_sentiment_is_handed_off(kb, openai_standin, text):
    conversation = ai_conversation(text)

    outcome = ai_agent_reply(conversation=conversation)

    decision = last_decision(conversation)
    assert "negative" in decision["human_reasons"] and decision["sentiment"] == "negative"
    assert_handed_off(conversation, outcome, f"Negative sentiment or anger ({decision['signals']['negative']})")
    assert openai_standin.chat_requests() == []


def test_a_decision_routing_already_stored_is_used_as_it_is(kb, openai_standin):
    # Routing decided "negative" for this message; the agent does not decide it again.
    stored = {"intent": "order_status", "language": "en", "human_reasons": ["negative"], "signals": {"negative": 0.8}}
    conversation = ai_conversation("Where is my parcel", classification=stored)

    outcome = ai_agent_reply(conversation=conversation)

    assert_handed_off(conversation, outcome, "Negative sentiment or anger (0.8)")
    assert last_decision(conversation) == stored


def test_sensitive_topics_from_the_admin_list_are_handed_off(kb, openai_standin):
    SensitiveTopic.objects.create(phrase="chargeback")
    conversation = ai_conversation("I will file a Chargeback if the parcel does not arrive")
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "Mentions a sensitive topic an admin listed (chargeback)")
    assert openai_standin.chat_requests() == []


def test_no_grounded_answer_in_the_knowledge_base_is_handed_off_without_asking_the_model(kb, openai_standin):
    conversation = ai_conversation("Do you sponsor amateur football teams in Lisbon?")
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "no grounded answer (best retrieval score")
    assert last_decision(conversation)["human_reasons"] == ["unanswerable"]
    assert openai_standin.chat_requests() == []
    assert not LLMCall.objects.filter(purpose="agent_answer").exists()


def test_the_model_finding_no_answer_gets_the_articles_own_sentence_out(kb, openai_standin):
    conversation = ai_conversation(RETURN_QUESTION)
    openai_standin.script(content="NO_ANSWER")

    outcome = ai_agent_reply(conversation=conversation)

    assert_extractive(
        outcome,
        kb["Refund policy"],
        fallback="the AI model found no answer in the article",
        answering_sentence=RETURNS,
    )
    assert "NO_ANSWER" not in outcome.message.text


def test_an_invented_price_is_not_sent_the_articles_own_sentence_is(kb, openai_standin):
    conversation = ai_conversation(RETURN_QUESTION)
    openai_standin.script(content="You can return it within 30 days; returns cost $4.99.")

    outcome = ai_agent_reply(conversation=conversation)

    assert_extractive(
        outcome,
        kb["Refund policy"],
        fallback="the generated answer failed the grounding check",
        answering_sentence=RETURNS,
    )
    assert "4.99" not in outcome.message.text
    failures = outcome.message.metadata["grounding"]["failures"]
    assert "number: 4.99 is not in the article" in failures and "currency: USD is not in the article" in failures


@pytest.mark.parametrize(
    ("model_says", "why"),
    [
        ("NO_ANSWER", "the AI model found no answer in the article"),
        ("Yes, VAT is 20% on every order.", "the generated answer failed the grounding check"),
    ],
)
def test_no_answer_and_no_article_sentence_that_answers_is_handed_off(kb, openai_standin, model_says, why):
    conversation = ai_conversation(VAT_QUESTION)
    openai_standin.script(content=model_says)

    outcome = ai_agent_reply(conversation=conversation)

    assert len(openai_standin.chat_requests()) == 1  # retrieval found the article; the model was asked
    assert_handed_off(conversation, outcome, f"{why}, and no article sentence clearly answers (")


def test_too_many_ai_turns_without_resolution_are_handed_off(kb, openai_standin, settings):
    settings.AI_MAX_TURNS = 2
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(content=SHIPPING, times=0)
    assert ai_agent_reply(conversation=conversation).action == Action.ANSWERED
    customer_writes("And with express shipping?")
    assert ai_agent_reply(conversation=conversation).action == Action.ANSWERED
    customer_writes("What about the tracking number?")
    outcome = ai_agent_reply(conversation=conversation)
    assert_handed_off(conversation, outcome, "2 AI answers without resolution", earlier_answers=2)
    assert outcome.reason == "2 AI answers without resolution"
    assert len(openai_standin.chat_requests()) == 2


@pytest.mark.parametrize(
    ("script", "why"),
    [({"status": 500}, "the AI model failed"), ({"delay": 1.5, "content": RETURNS}, "the AI model timed out")],
)
def test_a_model_outage_answers_from_the_article_when_a_sentence_clearly_answers(
    kb, openai_standin, settings, script, why
):
    settings.AI_TIMEOUT_SECONDS = 0.5
    conversation = ai_conversation(RETURN_QUESTION)
    openai_standin.script(**script)

    outcome = ai_agent_reply(conversation=conversation)

    assert_extractive(outcome, kb["Refund policy"], fallback=why, answering_sentence=RETURNS)
    failed = LLMCall.objects.get(purpose="agent_answer", conversation_id=conversation.pk)
    assert failed.outcome == ("timeout" if "timed out" in why else "error")


@pytest.mark.parametrize(
    ("script", "why"),
    [({"status": 500}, "the AI model failed"), ({"delay": 1.5, "content": "NO_ANSWER"}, "the AI model timed out")],
)
def test_a_model_outage_hands_off_when_no_sentence_clearly_answers(kb, openai_standin, settings, script, why):
    settings.AI_TIMEOUT_SECONDS = 0.5
    conversation = ai_conversation(VAT_QUESTION)
    openai_standin.script(**script)

    outcome = ai_agent_reply(conversation=conversation)

    assert_handed_off(conversation, outcome, f"{why}, and no article sentence clearly answers (")
    assert LLMCall.objects.filter(purpose="agent_answer").exclude(outcome="ok").count() == 1


def test_a_human_typing_in_the_conversation_stops_the_ai_from_sending(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(content=SHIPPING)
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

    openai_standin.script(content=SHIPPING, before=human_takes_over)
    outcome = ai_agent_reply(conversation=conversation)

    assert took_over.is_set()
    assert outcome.action == Action.SKIPPED and "human took over" in outcome.reason
    conversation.refresh_from_db()
    assert conversation.owner == Conversation.Owner.HUMAN and conversation.assignee == human.user
    assert not conversation.messages.filter(direction="outbound").exists()


def test_procedures_change_what_the_agent_does_without_code_changes(kb, openai_standin):
    billing = TeamFactory(name="Billing")
    TeamFactory(name="Logistics")  # named by no procedure
    returns = Procedure.objects.create(name="Returns", intent=Intent.objects.get(name="returns"))
    procedure_save(procedure=returns, instructions="Answer return questions from the articles.")
    # The "model" follows whatever procedure text it is given.
    openai_standin.script(match="hand off to Billing", content="HANDOFF", times=0)
    openai_standin.script(content=RETURNS, times=0)

    conversation = ai_conversation(RETURN_QUESTION)
    first = ai_agent_reply(conversation=conversation)
    assert first.action == Action.ANSWERED
    assert last_decision(conversation)["intent"] == "returns"
    assert first.message.text == with_link(RETURNS, kb["Refund policy"])
    assert first.message.metadata["procedures"] == [{"name": "Returns", "version": 1}]
    assert (
        "- Answer return questions from the articles."
        in openai_standin.chat_requests()[0]["body"]["messages"][0]["content"]
    )

    procedure_save(
        procedure=returns, instructions="Refund requests: ask for the order number, then hand off to Billing."
    )
    customer_writes("And how do I get my refund for order 1001?")
    second = ai_agent_reply(conversation=conversation)

    assert_handed_off(conversation, second, "a procedure says to hand off to Billing", earlier_answers=1)
    assert second.reason == "a procedure says to hand off to Billing"
    assert conversation.team == billing
    system = openai_standin.chat_requests()[-1]["body"]["messages"][0]["content"]
    assert "- Refund requests: ask for the order number, then hand off to Billing." in system
    assert "reply only HANDOFF" in system


def test_a_procedure_handoff_naming_no_single_team_goes_to_no_team(kb, openai_standin):
    TeamFactory(name="Billing")
    TeamFactory(name="Logistics")
    returns = Procedure.objects.create(name="Returns", intent=Intent.objects.get(name="returns"))
    procedure_save(procedure=returns, instructions="Hand off to Billing or Logistics, whichever fits.")
    openai_standin.script(content="HANDOFF")
    conversation = ai_conversation(RETURN_QUESTION)

    outcome = ai_agent_reply(conversation=conversation)

    assert_handed_off(conversation, outcome, "a procedure says to hand off")
    assert outcome.reason == "a procedure says to hand off" and conversation.team is None


def test_a_procedure_for_another_intent_is_not_used(kb, openai_standin):
    other = Procedure.objects.create(name="Pricing", intent=Intent.objects.get(name="pricing"))
    procedure_save(procedure=other, instructions="Offer the premium plan.")
    glob = Procedure.objects.create(name="Tone", is_global=True)
    procedure_save(procedure=glob, instructions="Always sign as Ada.")
    openai_standin.script(content=SHIPPING)

    outcome = ai_agent_reply(conversation=ai_conversation("When will my parcel arrive?"))

    assert outcome.action == Action.ANSWERED
    assert outcome.message.metadata["procedures"] == [{"name": "Tone", "version": 1}]
    system = openai_standin.chat_requests()[0]["body"]["messages"][0]["content"]
    assert "Always sign as Ada." in system and "premium" not in system


def test_the_customer_confirming_marks_the_conversation_resolved_by_the_ai(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(content=SHIPPING)
    assert ai_agent_reply(conversation=conversation).action == Action.ANSWERED
    customer_writes("Thanks, that helped!")

    outcome = ai_agent_reply(conversation=conversation)

    conversation.refresh_from_db()
    assert last_decision(conversation)["intent"] == "thanks"
    assert outcome.action == Action.RESOLVED
    assert conversation.ai_resolution == "confirmed" and conversation.ai_resolved_at is not None
    assert conversation.status == Conversation.Status.RESOLVED
    assert len(openai_standin.chat_requests()) == 1


def test_thanks_without_a_grounded_answer_is_not_an_ai_resolution(kb, openai_standin):
    conversation = ai_conversation("thanks")
    outcome = ai_agent_reply(conversation=conversation)
    conversation.refresh_from_db()
    assert last_decision(conversation)["intent"] == "thanks"
    assert outcome.action != Action.RESOLVED and conversation.ai_resolution == ""
    assert_handed_off(conversation, outcome, "no grounded answer")


def test_thanks_with_a_remaining_problem_is_not_a_resolution(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    openai_standin.script(content=SHIPPING, times=0)
    ai_agent_reply(conversation=conversation)
    customer_writes("Thanks, but it still has not arrived")

    outcome = ai_agent_reply(conversation=conversation)

    conversation.refresh_from_db()
    assert last_decision(conversation)["intent"] == "thanks"
    assert outcome.action != Action.RESOLVED and conversation.ai_resolution == ""
    assert conversation.status != Conversation.Status.RESOLVED
    # Not left alone either: answered again, or a person takes it.
    assert outcome.action in (Action.ANSWERED, Action.HANDED_OFF)


def test_no_reply_in_time_after_a_grounded_answer_counts_as_resolved(kb, openai_standin, settings):
    settings.AI_RESOLUTION_WAIT_MINUTES = 60
    quiet = ai_conversation("When will my parcel arrive?")
    replied = ai_conversation("Can I pay with PayPal?", channel=Channel.SMS, address="+15551230002")
    openai_standin.script(match="PayPal", content=PAYPAL)
    openai_standin.script(content=SHIPPING)
    assert ai_agent_reply(conversation=quiet).action == Action.ANSWERED
    assert ai_agent_reply(conversation=replied).message.text == with_link(PAYPAL, kb["Payment methods"])
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
    openai_standin.script(content=SHIPPING)
    assert ai_agent_respond.delay(conversation.pk).get() == Action.ANSWERED
    assert ai_agent_respond.delay(conversation.pk).get() == Action.SKIPPED
    assert ai_agent_respond.delay(999999).get() == "missing"


def test_an_undecided_message_is_decided_first_without_a_model_call(kb, openai_standin):
    message = customer_writes("When will my parcel arrive?", address="+15551230003")
    assert message.classification == {}
    conversation_assign(conversation=message.conversation, owner=Conversation.Owner.AI)
    openai_standin.script(content=SHIPPING)

    assert ai_agent_reply(conversation=message.conversation).action == Action.ANSWERED

    message.refresh_from_db()
    decision = message.classification
    assert decision["engine"] == "examples-v1" and decision["language"] == "en"
    assert decision["intent"] == "shipping" and decision["human_reasons"] == []
    assert decision["kb"]["title"] == "Shipping times"
    assert len(openai_standin.chat_requests()) == 1  # only the answer; deciding asks no model


def test_an_answer_that_cannot_be_sent_is_handed_off_instead(kb, openai_standin):
    conversation = ai_conversation("When will my parcel arrive?")
    conversation.customer.contact_points.all().delete()
    openai_standin.script(content=SHIPPING)
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


@pytest.mark.django_db(transaction=True)
def test_a_draft_for_an_older_message_is_dropped_when_the_customer_wrote_again(openai_standin):
    kb = kb_load()
    conversation = ai_conversation("When will my parcel arrive?")

    def customer_writes_again():  # in the stand-in's thread, on its own connection, while the model "generates"
        try:
            customer_writes("Also, can I pay with PayPal?")
        finally:
            connection.close()

    openai_standin.script(content=SHIPPING, before=customer_writes_again)
    outcome = ai_agent_reply(conversation=conversation)
    assert outcome.action == Action.SKIPPED and outcome.reason == "a newer customer message arrived"
    assert not conversation.messages.filter(direction="outbound").exists()

    openai_standin.script(content=PAYPAL)
    answer = ai_agent_reply(conversation=conversation)
    assert answer.message.text == with_link(PAYPAL, kb["Payment methods"])
    assert openai_standin.chat_requests()[-1]["body"]["messages"][1]["content"] == "Also, can I pay with PayPal?"


def test_a_short_follow_up_is_searched_together_with_the_previous_question(kb, openai_standin, settings):
    conversation = ai_conversation(RETURN_QUESTION)
    openai_standin.script(content=RETURNS, times=0)
    ai_agent_reply(conversation=conversation)
    follow_up = "and shoes?"
    alone = kb_passages(text=follow_up, language="en")
    assert not alone or alone[0].score < settings.AI_MIN_RETRIEVAL_SCORE  # alone it finds nothing that answers
    customer_writes(follow_up)

    outcome = ai_agent_reply(conversation=conversation)

    assert outcome.action == Action.ANSWERED and outcome.passages[0].title == "Refund policy"
    assert outcome.message.text == with_link(RETURNS, kb["Refund policy"])
    question = openai_standin.chat_requests()[-1]["body"]["messages"][1]["content"]
    assert follow_up in question and RETURN_QUESTION in question
