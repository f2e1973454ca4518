"""Attachments that arrive later than their message (media a provider serves by URL)."""

from django.core.files.base import ContentFile
from django.db import transaction

from inbox.events import conversation_group, event_publish
from inbox.models import Attachment


def _publish(attachment: Attachment, conversation_id: int) -> None:
    event_publish(
        type="message",
        op="updated",
        groups=[conversation_group(conversation_id)],
        conversation_id=conversation_id,
        message_id=attachment.message_id,
    )


def attachment_store_content(*, attachment_id: int, content: bytes, content_type: str, filename: str) -> Attachment:
    """Keep the downloaded bytes of a pending attachment; a stored one is left as it is."""
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().select_related("message").get(pk=attachment_id)
        if attachment.state == Attachment.State.STORED:
            return attachment
        attachment.filename = filename[:255]
        attachment.content_type = content_type[:100]
        attachment.size = len(content)
        attachment.file.save(attachment.filename or "attachment", ContentFile(content), save=False)
        attachment.state = Attachment.State.STORED
        attachment.error = ""
        attachment.save()
        _publish(attachment, attachment.message.conversation_id)
    return attachment


def attachment_fail(*, attachment_id: int, error: str) -> Attachment:
    """Mark a pending attachment failed with the reason agents will see on the message."""
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().select_related("message").get(pk=attachment_id)
        if attachment.state == Attachment.State.STORED:
            return attachment
        attachment.state = Attachment.State.FAILED
        attachment.error = error[:300]
        attachment.save(update_fields=["state", "error"])
        _publish(attachment, attachment.message.conversation_id)
    return attachment
