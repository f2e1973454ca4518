import pytest

from channels_app.email.addresses import reply_address_for
from channels_app.email.inbound import email_receive, email_thread_find
from channels_app.email.parsing import EmailUnreadable, email_parse
from inbox.models import Attachment, Channel, ContactPoint, Conversation, Message
from inbox.services import message_receive
from tests.channels_app.email.helpers import fixture
from tests.factories import ContactPointFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _outbound(conversation, message_id: str) -> Message:
    return MessageFactory(
        conversation=conversation,
        channel=Channel.EMAIL,
        direction=Message.Direction.OUTBOUND,
        author_kind=Message.Author.AGENT,
        external_id=message_id,
    )


def _customer_conversation(address: str) -> Conversation:
    point = ContactPointFactory(address=address)
    return ConversationFactory(customer=point.customer, subject="Where is my order #4412?")


def test_a_gmail_reply_threads_by_in_reply_to_and_loses_its_quoted_history():
    conversation = _customer_conversation("maya.lopez@gmail.example")
    ConversationFactory(customer=conversation.customer)  # a newer conversation must not win over the headers
    _outbound(conversation, "inbox.101.1795000000@localhost")

    received = email_receive(raw=fixture("gmail_reply.eml"))

    message = received.message
    assert received.created
    assert message.conversation_id == conversation.pk
    assert message.external_id == "CAF8k2uPq0vZ=Xb1tqY3mK7d@mail.gmail.com"
    assert message.text == "Great, thanks! The tracking link works now 👍\n\nMaya"
    assert "Order #4412 left our warehouse" not in message.text
    assert "<script" not in message.html and "Great, thanks!" in message.html
    assert "left our warehouse" not in message.html and "wrote:" not in message.html  # what agents see
    assert message.metadata["email"]["quoted_text_removed"] is True
    assert message.metadata["auto_reply"] is False
    original = message.attachments.get(filename="original.eml")
    assert b"Order #4412 left our warehouse" in original.file.read()  # the full original is kept


def test_an_outlook_reply_threads_by_the_signed_reply_address():
    conversation = _customer_conversation("jonas.larsen@outlook.example")
    address = reply_address_for(conversation.pk)
    local_tag = address.split("@")[0].split("+c")[1]
    raw = fixture("outlook_reply.eml", CONVERSATION=local_tag.split(".")[0], TAG=local_tag.split(".")[1])

    message = email_receive(raw=raw).message

    assert message.conversation_id == conversation.pk
    assert message.text == "Hi, yes please send the return label to my home address.\n\nThanks\nJonas"
    assert "30 days" not in message.text


def test_a_forged_reply_address_does_not_thread():
    conversation = _customer_conversation("jonas.larsen@outlook.example")
    raw = fixture("outlook_reply.eml", CONVERSATION=str(conversation.pk), TAG="0123456789abcdef")

    assert email_thread_find(email_parse(raw)) is None


def test_a_reply_address_of_another_customers_conversation_cannot_inject_into_it():
    victim = _customer_conversation("victim@example.com")
    raw = fixture(
        "outlook_reply.eml",
        CONVERSATION=reply_address_for(victim.pk).split("+c")[1].split(".")[0],
        TAG=reply_address_for(victim.pk).split(".")[1].split("@")[0],
    )

    message = email_receive(raw=raw).message  # from jonas, who does not own the conversation

    assert message.conversation_id != victim.pk
    assert victim.messages.count() == 0


def test_an_apple_mail_reply_threads_by_references_and_drops_the_iphone_signature():
    conversation = _customer_conversation("sofia@icloud.example")
    _outbound(conversation, "inbox.202.1795100000@localhost")

    message = email_receive(raw=fixture("apple_mail_reply.eml")).message

    assert message.conversation_id == conversation.pk
    assert message.text == "Perfect, I'll order it in size M then."
    assert message.metadata["email"]["references"] == [
        "first.question.1@icloud.example",
        "inbox.202.1795100000@localhost",
    ]


def test_a_new_email_opens_a_conversation_for_a_new_customer_named_from_the_header():
    message = email_receive(raw=fixture("html_only.eml")).message

    conversation = message.conversation
    assert conversation.subject == "Damaged parcel"
    assert conversation.customer.name == "Noah Brown"
    assert ContactPoint.objects.get(address="noah.brown@example.net").customer == conversation.customer
    # HTML-only: readable text for display, sanitised HTML kept
    assert "My parcel arrived crushed and the mug inside is broken." in message.text
    assert "<b>crushed</b>" in message.html
    assert "onerror" not in message.html and "onclick" not in message.html and "<style" not in message.html


def test_an_email_from_a_known_customer_joins_their_open_conversation_even_across_channels():
    chat = message_receive(channel=Channel.CHAT, address="visitor-1", text="hi").message
    ContactPoint.objects.create(customer=chat.conversation.customer, kind="email", address="amara@example.com")

    message = email_receive(raw=fixture("multipart_attachments.eml")).message

    assert message.conversation_id == chat.conversation_id


def test_attachments_are_kept_with_their_names_types_and_bytes():
    message = email_receive(raw=fixture("multipart_attachments.eml")).message

    stored = {a.filename: a for a in message.attachments.all()}
    assert set(stored) == {"zipper.png", "receipt.pdf", "original.eml"}
    assert stored["zipper.png"].content_type == "image/png"
    assert stored["zipper.png"].file.read().startswith(b"\x89PNG")
    assert stored["receipt.pdf"].content_type == "application/pdf"
    assert stored["receipt.pdf"].state == Attachment.State.STORED
    assert message.text == "Hi, here is the photo of the zipper and my receipt.\n\nAmara"


@pytest.mark.parametrize(
    ("name", "expected_name", "expected_subject", "expected_text"),
    [
        ("latin1.eml", "Jürgen Müller", "Rücksendung für Bestellung", "die Größe passt leider nicht. Können Sie"),
        ("windows1252.eml", "Emma Dubois", "Price question", "costs €49 on your site but € 59 in the shop – which"),
    ],
)
def test_non_utf8_charsets_are_decoded(name, expected_name, expected_subject, expected_text):
    message = email_receive(raw=fixture(name)).message

    assert expected_text in message.text
    assert "\ufffd" not in message.text
    assert message.conversation.subject == expected_subject
    assert message.conversation.customer.name == expected_name


def test_an_out_of_office_reply_is_stored_and_flagged_so_automation_leaves_it():
    conversation = _customer_conversation("liam@example.org")
    _outbound(conversation, "inbox.303.1795200000@localhost")

    message = email_receive(raw=fixture("auto_reply.eml")).message

    assert message.conversation_id == conversation.pk
    assert message.metadata["auto_reply"] is True
    assert message.metadata["auto_reply_reason"] == "Auto-Submitted: auto-replied"


def test_a_bounce_is_flagged_and_marks_our_email_undelivered_in_its_conversation():
    conversation = _customer_conversation("nobody@example.com")
    ours = _outbound(conversation, "inbox.404.1795300000@localhost")

    bounce = email_receive(raw=fixture("bounce.eml", BOUNCED_ID="inbox.404.1795300000@localhost")).message

    assert bounce.metadata["auto_reply"] is True
    ours.refresh_from_db()
    assert ours.delivery_status == Message.Delivery.UNDELIVERED
    assert ours.error_code == "bounce"
    assert conversation.messages.filter(direction=Message.Direction.EVENT, text__contains="bounced").exists()


@pytest.mark.parametrize("header", ["X-Autoreply: yes", "Precedence: bulk"])
def test_other_auto_reply_markers_are_recognised(header):
    raw = f"From: a@example.com\r\nTo: support@localhost\r\nMessage-ID: <x1@e>\r\n{header}\r\n\r\nAway\r\n".encode()
    assert email_receive(raw=raw).message.metadata["auto_reply"] is True


def test_a_redelivered_email_is_stored_once():
    first = email_receive(raw=fixture("html_only.eml"))
    again = email_receive(raw=fixture("html_only.eml"))

    assert first.created and not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(channel=Channel.EMAIL).count() == 1


def test_mail_without_a_message_id_is_still_deduplicated_by_its_content():
    raw = b"From: x@example.com\r\nTo: support@localhost\r\nSubject: hi\r\n\r\nNo id here\r\n"
    assert email_receive(raw=raw).created
    assert not email_receive(raw=raw).created


@pytest.mark.parametrize("name", ["garbage.eml", "no_sender.eml"])
def test_unreadable_input_is_refused_with_a_reason_and_nothing_is_stored(name):
    with pytest.raises(EmailUnreadable, match="no sender"):
        email_receive(raw=fixture(name))
    assert Message.objects.count() == 0
    assert Conversation.objects.count() == 0


def test_broken_mime_and_unknown_charsets_do_not_crash():
    raw = (
        b"From: Odd <odd@example.com>\r\nTo: support@localhost\r\nMessage-ID: <odd-1@e>\r\n"
        b"Subject: =?x-unknown?Q?broken?=\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain; charset=x-klingon\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8gdGhlcmU=\r\n"
    )
    message = email_receive(raw=raw).message
    assert message.text == "Hello there"


def test_outlook_and_apple_html_history_is_cut_from_what_agents_see():
    from channels_app.email.parsing import html_reply_strip

    outlook = (
        '<div>Yes please &amp; thanks<br></div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> Support</div><div>No problem: you have 30 days</div>'
    )
    assert html_reply_strip(outlook) == "<div>Yes please &amp; thanks<br></div>"
    apple = (
        '<div>Perfect<img src="cid:1"></div><div><br><blockquote type="cite">It is <b>waterproof</b></blockquote></div>'
    )
    assert html_reply_strip(apple) == '<div>Perfect<img src="cid:1"></div><div><br></div>'
    only_quote = '<blockquote type="cite">everything is quoted</blockquote>'
    assert html_reply_strip(only_quote) == only_quote  # never leave the agent with nothing


def test_an_invalid_sender_address_is_refused_with_a_reason():
    raw = b"From: Bad <bad@example>\r\nTo: support@localhost\r\nMessage-ID: <bad-1@e>\r\n\r\nhello\r\n"
    with pytest.raises(EmailUnreadable, match="not valid"):
        email_receive(raw=raw)
    assert Message.objects.count() == 0
