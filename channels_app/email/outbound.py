"""Email out: one reply on the conversation's thread, with headers every mail client threads on."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.html import linebreaks, strip_tags

from channels_app.email.addresses import message_id_clean, message_id_domain, reply_address_for
from channels_app.senders import SendError, sender
from inbox.models import Attachment, Channel, ContactKind, Message

# Outlook and others cap the References header; keep the first (thread root) and the newest.
MAX_REFERENCES = 20


def email_message_id_for(message: Message) -> str:
    """A stable Message-ID per stored message: a resend after a crash carries the same id."""
    stamp = int(message.created_at.timestamp())
    return f"inbox.{message.pk}.{stamp}@{message_id_domain()}"


def _recipient(message: Message) -> str:
    """The address the customer last wrote from on this conversation, else their newest email."""
    last_inbound = (
        Message.objects.filter(
            conversation_id=message.conversation_id,
            channel=Channel.EMAIL,
            direction=Message.Direction.INBOUND,
            metadata__email__has_key="from_address",
        )
        .order_by("-created_at", "-pk")
        .values_list("metadata__email__from_address", flat=True)
        .first()
    )
    addresses = list(
        message.conversation.customer.contact_points.filter(kind=ContactKind.EMAIL)
        .order_by("-verified", "-created_at")
        .values_list("address", flat=True)
    )
    if last_inbound and last_inbound in addresses:
        return last_inbound
    if not addresses:
        raise SendError("This customer has no email address", code="no_email_address")
    return addresses[0]


def _parent(message: Message) -> Message | None:
    """The newest earlier email on the conversation that has a Message-ID: what we reply to."""
    emailed = Q(channel=Channel.EMAIL) | Q(channel=Channel.CHAT, metadata__has_key="email")  # chat replies emailed
    return (
        Message.objects.filter(emailed, conversation_id=message.conversation_id, external_id__gt="")
        .exclude(pk=message.pk)
        .filter(created_at__lte=message.created_at)
        .order_by("-created_at", "-pk")
        .first()
    )


def _subject(message: Message, parent: Message | None) -> str:
    subject = ((parent.metadata.get("email", {}).get("subject") if parent else "") or "").strip()
    subject = subject or message.conversation.subject.strip() or "Your conversation with our support team"
    if parent is None:
        return subject
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def email_build(message: Message) -> EmailMultiAlternatives:
    """The email for a stored outbound message, threaded on the conversation's last email."""
    parent = _parent(message)
    headers = {"Message-ID": f"<{email_message_id_for(message)}>"}
    references: list[str] = []
    if parent is not None:
        parent_id = message_id_clean(parent.external_id)
        references = [*parent.metadata.get("email", {}).get("references", []), parent_id]
        if len(references) > MAX_REFERENCES:
            references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
        headers["In-Reply-To"] = f"<{parent_id}>"
        headers["References"] = " ".join(f"<{ref}>" for ref in references)
    text = message.text or strip_tags(message.html)
    html = message.html or linebreaks(text, autoescape=True)
    context = {"text": text, "html": html, "message": message}
    email = EmailMultiAlternatives(
        subject=_subject(message, parent),
        body=render_to_string("email/reply.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[_recipient(message)],
        reply_to=[reply_address_for(message.conversation_id)],
        headers=headers,
    )
    email.attach_alternative(render_to_string("email/reply.html", context), "text/html")
    for attachment in message.attachments.filter(state=Attachment.State.STORED):
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename or "attachment", handle.read(), attachment.content_type or None)
    email.references = references  # kept for the caller to store
    return email


@sender(Channel.EMAIL)
def email_send(message: Message) -> str:
    """Send an outbound email message; returns its Message-ID (the message's external_id).

    Stores the threading data in ``metadata["email"]`` so the next reply (ours or theirs)
    can continue the References chain.
    """
    email = email_build(message)
    message_id = email_message_id_for(message)
    try:
        email.send(fail_silently=False)
    except (OSError, TimeoutError) as exc:  # smtplib errors are OSErrors: connection, refusal, timeout
        permanent = getattr(exc, "smtp_code", 0) and 500 <= exc.smtp_code < 600
        raise SendError(f"SMTP: {exc}", code="smtp", transient=not permanent) from exc
    email_meta = {
        "message_id": message_id,
        "subject": email.subject,
        "to": list(email.to),
        "references": email.references,
        "reply_to": email.reply_to[0],
    }
    Message.objects.filter(pk=message.pk).update(metadata={**message.metadata, "email": email_meta})
    message.metadata = {**message.metadata, "email": email_meta}
    return message_id
