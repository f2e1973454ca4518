"""The "chat" sender: a reply goes to the visitor's open widget, or by email once they have left."""

from channels_app.email.outbound import email_send
from channels_app.senders import sender
from channels_app.widget.services import visitor_is_present, widget_group
from inbox.events import event_publish
from inbox.models import Channel, ContactKind, Message


@sender(Channel.CHAT)
def chat_send(message: Message) -> str:
    """Deliver to the visitor's sockets; returns ``chat.<id>``, or the email Message-ID when emailed.

    With no widget open and an email address on the customer (the visitor left one, or was
    identified), the conversation continues by email, threaded like any email reply. With
    neither, the reply waits in the conversation: the widget loads it on the next visit.
    The widget acknowledges receipt and reading (chat_delivery_mark).
    """
    conversation_id = message.conversation_id
    if not visitor_is_present(conversation_id=conversation_id):
        has_email = message.conversation.customer.contact_points.filter(kind=ContactKind.EMAIL).exists()
        if has_email:
            message_id = email_send(message)
            metadata = {**message.metadata, "delivered_via": "email"}
            Message.objects.filter(pk=message.pk).update(metadata=metadata)
            message.metadata = metadata
            return message_id
    event_publish(
        type="message",
        op="created",
        groups=[widget_group(conversation_id)],
        conversation_id=conversation_id,
        message_id=message.pk,
    )
    return f"chat.{message.pk}"
