from datetime import timedelta

import pytest
from django.test import Client

from inbox.models import Channel, Message
from inbox.qa.models import CompliancePhrase, QaFlag
from inbox.qa.scan import qa_scan, qa_topic
from inbox.services import message_append_outbound, message_receive
from tests.factories import AgentFactory, MessageFactory

pytestmark = pytest.mark.django_db
NOW = timedelta(0)


def scan():
    return qa_scan(settle=NOW)


def test_compliance_phrases_are_flagged_for_the_right_speaker(agent):
    CompliancePhrase.objects.create(phrase="full refund", label="promise of a refund", said_by="business")
    CompliancePhrase.objects.create(phrase="lawyer", label="legal threat", said_by="customer")
    inbound = message_receive(
        channel=Channel.SMS, address="+15551230000", text="My LAWYER will hear of this. Full refund?"
    )
    message_append_outbound(
        conversation=inbound.message.conversation,
        channel=Channel.SMS,
        text="You'll get a full refund.",
        author=agent.user,
    )
    scan()
    flags = sorted(QaFlag.objects.values_list("kind", "detail"))
    assert flags == [
        ("compliance", "legal threat: \u201clawyer\u201d"),
        ("compliance", "promise of a refund: \u201cfull refund\u201d"),
    ]


def test_phrases_match_whole_words_only(agent):
    CompliancePhrase.objects.create(phrase="sue", label="legal threat", said_by="anyone")
    message_receive(channel=Channel.SMS, address="+15551230000", text="Is there an issue with my order?")
    scan()
    assert not QaFlag.objects.exists()


def test_ai_answers_without_citations_are_flagged():
    inbound = message_receive(channel=Channel.SMS, address="+15551230000", text="Do you ship to Canada?").message
    conversation = inbound.conversation
    citations = {"citations": [{"article_id": 1}]}
    grounded = message_append_outbound(
        conversation=conversation,
        channel=Channel.SMS,
        text="Yes [1]",
        author_kind=Message.Author.AI,
        metadata=citations,
    )
    ungrounded = message_append_outbound(
        conversation=conversation, channel=Channel.SMS, text="Probably", author_kind=Message.Author.AI
    )
    scan()
    assert list(QaFlag.objects.values_list("message_id", "kind")) == [(ungrounded.pk, "ungrounded")]
    assert grounded.pk not in QaFlag.objects.values_list("message_id", flat=True)


def test_sentiment_turning_negative_is_flagged_once_it_persists():
    first = message_receive(channel=Channel.SMS, address="+15551230000", text="Where is it?").message
    Message.objects.filter(pk=first.pk).update(classification={"sentiment": "negative"})
    scan()
    assert not QaFlag.objects.exists(), "one bad message is not a trend"
    second = message_receive(channel=Channel.SMS, address="+15551230000", text="Still nothing!!").message
    Message.objects.filter(pk=second.pk).update(classification={"sentiment": "negative"})
    scan()
    assert QaFlag.objects.get().kind == "negative_trend"


def test_knowledge_gaps_are_grouped_by_topic_and_link_to_the_editor():
    for address, question in [
        ("+15551230000", "Do you ship to Iceland?"),
        ("+15551230001", "Ship to Iceland, do you?"),
    ]:
        conversation = message_receive(channel=Channel.SMS, address=address, text=question).message.conversation
        handoff = {"kind": "assignment", "handoff_reason": "no grounded answer (best score 0.21)"}
        MessageFactory(conversation=conversation, direction="event", author_kind="system", channel="", metadata=handoff)
    scan()
    assert set(QaFlag.objects.values_list("topic", flat=True)) == {"iceland ship"}
    assert qa_topic("Do you ship to Iceland?") == qa_topic("Ship to Iceland, do you?")

    client = Client()
    client.force_login(AgentFactory(role="admin").user)
    page = client.get("/qa/")
    [gap] = page.context["gaps"]
    assert gap["asked"] == 2 and "title=" in gap["write_url"] and "Iceland" in gap["write_url"]


def test_a_rescan_flags_nothing_twice_and_fresh_messages_wait():
    CompliancePhrase.objects.create(phrase="refund", label="refund", said_by="anyone")
    message_receive(channel=Channel.SMS, address="+15551230000", text="refund please")
    assert qa_scan() == 0, "messages younger than the settle time wait for the next run"
    assert scan() == 1 and scan() == 0
    from inbox.qa.models import QaCursor

    QaCursor.objects.update(last_message_id=0)
    scan()
    assert QaFlag.objects.count() == 1


def test_admins_acknowledge_flags_with_a_note_and_agents_cannot(agent_client):
    conversation = message_receive(channel=Channel.SMS, address="+15551230000", text="hi").message.conversation
    flag = QaFlag.objects.create(conversation=conversation, kind="compliance", detail="x")
    assert agent_client.get("/qa/").status_code == 403
    assert agent_client.post(f"/qa/flags/{flag.pk}/acknowledge/").status_code == 403

    admin = Client()
    admin.force_login(AgentFactory(role="admin").user)
    response = admin.post(f"/qa/flags/{flag.pk}/acknowledge/", {"note": "Coached Ben"}, HTTP_HX_REQUEST="true")
    assert "Coached Ben" in response.content.decode()
    flag.refresh_from_db()
    assert flag.acknowledged_at and flag.note == "Coached Ben"
    assert flag not in admin.get("/qa/").context["flags"]


def test_admins_manage_phrases_with_clear_errors():
    admin = Client()
    admin.force_login(AgentFactory(role="admin").user)
    page = admin.post("/qa/phrases/", {"phrase": "", "label": ""}, follow=True).content.decode()
    assert "needs the words" in page and not CompliancePhrase.objects.exists()
    admin.post("/qa/phrases/", {"phrase": "guarantee", "label": "promise", "said_by": "business"})
    assert CompliancePhrase.objects.get().phrase == "guarantee"
