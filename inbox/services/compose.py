"""Sending from the composer: replies to the customer and internal notes, with files and @mentions."""

import mimetypes
import re
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from inbox.access import check_conversation_act, users_who_see_q
from inbox.events import agent_group, event_publish
from inbox.models import AgentProfile, Attachment, Channel, Conversation, Message, Notification
from inbox.selectors import assignable_agents
from inbox.services.conversations import conversation_assign
from inbox.services.messages import message_append_outbound, note_add
from inbox.services.whatsapp import whatsapp_window

MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


def conversation_reply(
    *,
    conversation: Conversation,
    actor: AbstractBaseUser,
    channel: str,
    text: str,
    files: Sequence[UploadedFile] = (),
) -> Message:
    """An agent's reply to the customer on ``channel``; delivery follows after commit.

    Free text on WhatsApp needs the 24-hour window open (else a template must be sent).
    """
    check_conversation_act(actor, conversation)
    if channel == Channel.WHATSAPP and not whatsapp_window(conversation)[0]:
        raise ValidationError("The WhatsApp 24-hour window is closed: only an approved template can be sent now.")
    _check_files(files)
    with transaction.atomic():
        message = message_append_outbound(conversation=conversation, channel=channel, text=text, author=actor)
        _attachments_save(message, files)
        _claim_if_unowned(conversation, actor)
    return message


def _claim_if_unowned(conversation: Conversation, actor: AbstractBaseUser) -> None:
    """The agent who answers a conversation nobody holds (a queue's, or the AI's) now owns it:
    the AI stops answering, and the customer's next message reaches the person who replied."""
    conversation.refresh_from_db(fields=["assignee", "owner", "team"])
    if conversation.assignee_id is not None or not assignable_agents().filter(user=actor).exists():
        return
    conversation_assign(
        conversation=conversation,
        owner=Conversation.Owner.HUMAN,
        assignee=actor,
        team=conversation.team,
        actor=actor,
        reason="on replying",
    )


def note_post(
    *, conversation: Conversation, actor: AbstractBaseUser, text: str, files: Sequence[UploadedFile] = ()
) -> Message:
    """An internal note; every @username of an agent in it gets a notification."""
    check_conversation_act(actor, conversation)
    _check_files(files)
    with transaction.atomic():
        note = note_add(conversation=conversation, author=actor, text=text)
        _attachments_save(note, files)
        _mentions_notify(note, actor)
    return note


def _mentions_notify(note: Message, actor: AbstractBaseUser) -> None:
    usernames = {m.lower() for m in MENTION.findall(note.text)}
    if not usernames:
        return
    mentioned = (
        get_user_model()
        .objects.filter(username__in={u for u in usernames} | {u.rstrip(".") for u in usernames})
        .filter(pk__in=AgentProfile.objects.values("user_id"))
        .filter(users_who_see_q(note.conversation))  # someone who may not see it is not told about it
        .exclude(pk=actor.pk)
        .distinct()
    )
    who = actor.get_full_name() or actor.get_username()
    for user in mentioned:
        notification = Notification.objects.create(
            user=user,
            kind=Notification.Kind.MENTION,
            conversation_id=note.conversation_id,
            message=note,
            text=f"{who} mentioned you in {note.conversation}"[:300],
        )
        event_publish(
            type="notification",
            op="created",
            groups=[agent_group(user.pk)],
            notification_id=notification.pk,
            conversation_id=note.conversation_id,
            message_id=note.pk,
        )


def _check_files(files: Sequence[UploadedFile]) -> None:
    limit = settings.INBOX_UPLOAD_MAX_BYTES
    for f in files:
        if f.size > limit:
            raise ValidationError(f"{f.name} is larger than {limit // (1024 * 1024)} MB")


def _attachments_save(message: Message, files: Sequence[UploadedFile]) -> None:
    for f in files:
        name = (f.name or "attachment")[-255:]
        # The browser's claimed type is not trusted; the name decides how it is served.
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        attachment = Attachment(message=message, filename=name, content_type=content_type, size=f.size)
        attachment.file.save(name, f, save=False)
        attachment.save()
