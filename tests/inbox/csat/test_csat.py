import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from inbox.csat.answers import csat_rating_parse
from inbox.csat.models import CsatSurvey
from inbox.metrics.facts import conversation_facts_refresh
from inbox.metrics.kpis import Filters, kpi_csat_by_owner, kpi_summary
from inbox.models import Channel, Conversation, Message
from inbox.services import conversation_set_status, message_append_outbound, message_receive
from tests.factories import AgentFactory


@pytest.mark.parametrize(
    ("text", "rating"),
    [("5", 5), (" 4/5 ", 4), ("3 out of 5", 3), ("1 star", 1), ("Great!", 5), ("very bad", 1), ("bad", 2),
     ("ok", 3), ("not good", 2), ("good, thanks", 4), ("6", None), ("0", None), ("", None),
     ("my order 5 is missing", None), ("I have another question about my refund please", None)],
)  # fmt: skip
def test_ratings_are_understood_from_numbers_and_words(text, rating):
    assert csat_rating_parse(text) == rating


def _resolved(channel, address, agent):
    conversation = message_receive(channel=channel, address=address, text="Where is my parcel?").message.conversation
    message_append_outbound(conversation=conversation, channel=channel, text="On its way!", author=agent.user)
    return conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=agent.user)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


@pytest.mark.django_db
def test_a_whatsapp_customer_is_asked_and_answers_with_a_number(on_commit):
    agent = AgentFactory()
    conversation = on_commit(_resolved, Channel.WHATSAPP, "+15551230000", agent)

    question = conversation.messages.filter(direction="outbound").latest("pk")
    assert question.channel == Channel.WHATSAPP and "1 (bad) to 5 (great)" in question.text
    assert question.author_kind == Message.Author.SYSTEM

    answer = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="5").message
    survey = CsatSurvey.objects.get()
    assert (survey.rating, survey.agent, survey.resolved_by_ai) == (5, agent.user, False)
    conversation.refresh_from_db()
    assert answer.conversation_id == conversation.pk, "the answer joins the surveyed conversation"
    assert conversation.status == Conversation.Status.RESOLVED and conversation.waiting_since is None
    assert Conversation.objects.count() == 1


@pytest.mark.django_db
def test_a_whatsapp_customer_outside_the_24_hour_window_is_not_asked(on_commit):
    agent = AgentFactory()
    conversation = message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="Hi").message.conversation
    message_append_outbound(conversation=conversation, channel=Channel.WHATSAPP, text="Hello!", author=agent.user)
    Conversation.objects.filter(pk=conversation.pk).update(whatsapp_last_inbound_at=timezone.now() - timedelta(days=2))
    conversation.refresh_from_db()

    # Resolving it two days later: a free-form survey cannot go out, so none is asked (no failing task).
    on_commit(conversation_set_status, conversation=conversation, status=Conversation.Status.RESOLVED, actor=agent.user)
    assert not CsatSurvey.objects.exists()
    assert not conversation.messages.filter(author_kind=Message.Author.SYSTEM, direction="outbound").exists()
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.RESOLVED


@pytest.mark.django_db
def test_a_real_question_after_the_survey_opens_a_new_conversation(on_commit):
    on_commit(_resolved, Channel.SMS, "+15551230000", AgentFactory())
    new = message_receive(channel=Channel.SMS, address="+15551230000", text="Also, do you ship to Canada?").message
    assert Conversation.objects.count() == 2 and new.conversation.status == Conversation.Status.OPEN
    assert CsatSurvey.objects.get().rating is None


@pytest.mark.django_db
def test_nobody_is_asked_twice_and_the_cool_down_holds(on_commit, settings):
    agent = AgentFactory()
    first = on_commit(_resolved, Channel.SMS, "+15551230000", agent)
    on_commit(conversation_set_status, conversation=first, status=Conversation.Status.OPEN)
    on_commit(conversation_set_status, conversation=first, status=Conversation.Status.RESOLVED)
    assert CsatSurvey.objects.count() == 1, "same conversation resolved again: not asked again"

    on_commit(_resolved, Channel.SMS, "+15551230000", agent)
    assert CsatSurvey.objects.count() == 1, "another conversation within the cool-down: not asked"

    CsatSurvey.objects.update(asked_at=timezone.now() - timedelta(days=settings.CSAT_COOLDOWN_DAYS + 1))
    on_commit(_resolved, Channel.SMS, "+15551230000", agent)
    assert CsatSurvey.objects.count() == 2


@pytest.mark.django_db
def test_chat_surveys_are_marked_for_the_widget_buttons(on_commit):
    on_commit(_resolved, Channel.CHAT, "visitor-1", AgentFactory())
    question = Message.objects.filter(direction="outbound").latest("pk")
    assert question.metadata["csat_survey"] == CsatSurvey.objects.get().pk


@pytest.mark.django_db
def test_email_gets_one_click_links_that_only_a_post_records(on_commit):
    on_commit(_resolved, Channel.EMAIL, "maya@example.com", AgentFactory())
    question = Message.objects.filter(direction="outbound").latest("pk")
    link = re.search(r"(/csat/[^?\s]+/)\?rating=4", question.text).group(1)
    client = Client()

    page = client.get(f"{link}?rating=4")
    assert page.status_code == 200 and CsatSurvey.objects.get().rating is None, "a mail scanner's GET casts nothing"
    assert "submit()" in page.content.decode(), "a person's browser submits at once"
    client.post(link, {"rating": "4", "comment": "Quick, thanks"})
    survey = CsatSurvey.objects.get()
    assert (survey.rating, survey.comment) == (4, "Quick, thanks")

    assert client.get("/csat/forged-token/").status_code == 400
    assert client.post(link, {"rating": "9"}).status_code == 400
    assert CsatSurvey.objects.get().rating == 4


@pytest.mark.django_db
def test_csat_shows_up_by_channel_and_by_who_resolved_it(on_commit):
    ana = AgentFactory(user__first_name="Ana")
    on_commit(_resolved, Channel.SMS, "+15551230000", ana)
    message_receive(channel=Channel.SMS, address="+15551230000", text="2")
    on_commit(_resolved, Channel.WHATSAPP, "+15551230001", ana)
    message_receive(channel=Channel.WHATSAPP, address="+15551230001", text="excellent")
    conversation_facts_refresh()

    today = timezone.localdate()
    filters = Filters(start=today, end=today)
    assert kpi_summary(filters)["csat_score"] == 50.0
    assert kpi_csat_by_owner(filters) == [{"owner": "Ana", "answers": 2, "average": 3.5, "score": 50.0}]
