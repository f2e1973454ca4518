"""Approved WhatsApp templates: what an agent may send once the 24-hour window has closed."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from channels_app.models import WhatsAppTemplate
from inbox.models import Channel, Conversation, Message
from inbox.services import message_append_outbound

MAX_VARIABLE_LENGTH = 1024


def whatsapp_template_send(
    *,
    conversation: Conversation,
    template: WhatsAppTemplate,
    variables: dict[str, str],
    author: AbstractBaseUser | None = None,
    author_kind: str = Message.Author.AGENT,
) -> Message:
    """Queue an approved template to the customer on WhatsApp, in or out of the 24-hour window.

    Every placeholder must have a non-empty value. Sent by Twilio as content_sid +
    content_variables; the timeline shows the filled-in preview.
    """
    if not template.active:
        raise ValidationError(f"The template {template.name!r} is not active")
    values = {key: str(variables.get(key, "")).strip() for key in template.variables}
    missing = [key for key, value in values.items() if not value]
    if missing:
        raise ValidationError(f"Fill in the template's {', '.join('{{' + k + '}}' for k in missing)}")
    if any(len(v) > MAX_VARIABLE_LENGTH for v in values.values()):
        raise ValidationError(f"A template value is at most {MAX_VARIABLE_LENGTH} characters")
    return message_append_outbound(
        conversation=conversation,
        channel=Channel.WHATSAPP,
        text=template.render(values),
        author=author,
        author_kind=author_kind,
        metadata={
            "whatsapp_template": {"name": template.name, "content_sid": template.content_sid, "variables": values}
        },
    )
