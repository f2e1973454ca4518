import pytest
from django.core import mail

from channels_app.senders import SENDERS
from channels_app.widget.services import visitor_presence_touch, widget_group, widget_history
from inbox.models import Channel, ContactPoint, Message
from inbox.services import message_append_outbound, message_receive
from tests.helpers import capture_events

pytestmark = pytest.mark.django_db


def _chat(visitor: str = "v_abc123") -> Message:
    return message_receive(channel=Channel.CHAT, address=visitor, text="hello", external_id=f"{visitor}:1").message


def _reply(conversation, text: str) -> Message:
    message = message_append_outbound(conversation=conversation, channel=Channel.CHAT, text=text)
    external_id = SENDERS[Channel.CHAT](message)
    Message.objects.filter(pk=message.pk).update(external_id=external_id)
    message.refresh_from_db()
    return message


def test_a_reply_to_a_visitor_with_the_widget_open_goes_to_their_socket_only(django_capture_on_commit_callbacks):
    chat = _chat()
    ContactPoint.objects.create(customer=chat.conversation.customer, kind="email", address="v@example.com")
    visitor_presence_touch(conversation_id=chat.conversation_id, present=True)

    with capture_events() as sent, django_capture_on_commit_callbacks(execute=True):
        reply = _reply(chat.conversation, "Hi there")

    assert reply.external_id == f"chat.{reply.pk}"
    assert mail.outbox == []
    assert (
        (widget_group(chat.conversation_id),),
        {"type": "message", "op": "created", "conversation_id": chat.conversation_id, "message_id": reply.pk},
    ) in sent


def test_a_visitor_who_left_without_an_email_finds_the_reply_on_their_next_visit():
    chat = _chat()
    reply = _reply(chat.conversation, "Sorry we missed you")

    assert reply.external_id == f"chat.{reply.pk}"
    assert mail.outbox == []
    assert widget_history(conversation=chat.conversation)[-1]["text"] == "Sorry we missed you"


def test_replies_to_a_visitor_who_left_an_email_go_by_email_on_one_thread():
    chat = _chat()
    ContactPoint.objects.create(customer=chat.conversation.customer, kind="email", address="v@example.com")

    first = _reply(chat.conversation, "First answer")
    _reply(chat.conversation, "Second answer")

    first_email, second_email = mail.outbox
    assert first_email.to == ["v@example.com"] and "First answer" in first_email.body
    assert first.external_id == first_email.extra_headers["Message-ID"].strip("<>")
    assert second_email.extra_headers["In-Reply-To"] == first_email.extra_headers["Message-ID"]
    assert second_email.subject.startswith("Re: ")


def test_the_widget_history_is_one_query_however_long(django_assert_num_queries):
    chat = _chat()
    for n in range(5):
        message_append_outbound(conversation=chat.conversation, channel=Channel.CHAT, text=f"reply {n}")
    with django_assert_num_queries(1):
        history = widget_history(conversation=chat.conversation)
    assert [m["text"] for m in history] == ["hello", *[f"reply {n}" for n in range(5)]]


def test_the_widget_shows_the_chat_only_never_notes_or_other_channels():
    from inbox.services import note_add

    chat = _chat()
    ContactPoint.objects.create(customer=chat.conversation.customer, kind="email", address="typed@example.com")
    note_add(conversation=chat.conversation, author=None, text="internal: VIP")
    # someone else mailing from an address the visitor typed lands on this customer: not shown in the widget
    message_receive(channel=Channel.EMAIL, address="typed@example.com", text="my bank details")

    assert [m["text"] for m in widget_history(conversation=chat.conversation)] == ["hello"]
