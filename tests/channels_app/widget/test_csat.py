"""Satisfaction buttons in the chat widget: the visitor rates their own chat, once."""

import uuid

import pytest
from channels.db import database_sync_to_async

from inbox.csat.models import CsatSurvey
from inbox.models import Conversation, Message
from inbox.services import conversation_set_status, message_append_outbound
from tests.channels_app.widget.helpers import receive_type, run_async, widget_connect
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _resolve_and_ask(message_id: int, agent) -> int:
    conversation = Message.objects.get(pk=message_id).conversation
    message_append_outbound(conversation=conversation, channel="chat", text="Sorted!", author=agent.user)
    conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=agent.user)
    return CsatSurvey.objects.get(conversation=conversation).pk  # asked on resolution (inline in tests)


@database_sync_to_async
def _survey(pk: int) -> CsatSurvey:
    return CsatSurvey.objects.select_related("agent").get(pk=pk)


def test_a_visitor_rates_the_chat_with_the_buttons_once_and_sees_it_on_return():
    agent = AgentFactory(user__first_name="Ana")

    async def scenario():
        socket, session = await widget_connect()
        await socket.send_json_to({"action": "send", "text": "Where is my parcel?", "client_id": uuid.uuid4().hex})
        sent = await receive_type(socket, "sent")
        survey_id = await _resolve_and_ask(sent["message"]["id"], agent)

        question = None
        while question is None:  # the agent's reply first, then the survey question
            frame = (await receive_type(socket, "message"))["message"]
            question = frame if frame.get("csat") else None
        assert question["csat"] == {"survey": survey_id, "rating": None}

        await socket.send_json_to({"action": "rate", "survey": survey_id, "rating": 4, "comment": "Quick, thanks"})
        assert await receive_type(socket, "rated") == {"type": "rated", "survey": survey_id, "rating": 4}
        survey = await _survey(survey_id)
        assert (survey.rating, survey.comment, survey.channel, survey.agent.first_name) == (
            4,
            "Quick, thanks",
            "chat",
            "Ana",
        )

        await socket.send_json_to({"action": "rate", "survey": survey_id, "rating": 1})
        assert "already rated" in (await receive_type(socket, "error"))["reason"]
        assert (await _survey(survey_id)).rating == 4  # the first answer stands
        await socket.disconnect()

        again, resumed = await widget_connect(token=session["token"])
        [asked] = [m for m in resumed["messages"] if m.get("csat")]
        assert asked["csat"] == {"survey": survey_id, "rating": 4}
        await again.disconnect()

    run_async(scenario)


def test_a_visitor_cannot_rate_someone_elses_survey_or_rate_out_of_range():
    agent = AgentFactory()

    async def scenario():
        alice, _ = await widget_connect()
        await alice.send_json_to({"action": "send", "text": "Hi", "client_id": uuid.uuid4().hex})
        survey_id = await _resolve_and_ask((await receive_type(alice, "sent"))["message"]["id"], agent)
        bob, _ = await widget_connect()
        await bob.send_json_to({"action": "send", "text": "Hello", "client_id": uuid.uuid4().hex})
        await receive_type(bob, "sent")

        await bob.send_json_to({"action": "rate", "survey": survey_id, "rating": 1})
        assert "not about this chat" in (await receive_type(bob, "error"))["reason"]
        await alice.send_json_to({"action": "rate", "survey": survey_id, "rating": 9})
        assert "1 to 5" in (await receive_type(alice, "error"))["reason"]
        await alice.send_json_to({"action": "rate", "survey": survey_id, "rating": "5"})
        assert "from 1 to 5" in (await receive_type(alice, "error"))["reason"]
        assert (await _survey(survey_id)).rating is None
        await alice.disconnect()
        await bob.disconnect()

    run_async(scenario)
