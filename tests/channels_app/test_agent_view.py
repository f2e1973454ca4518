"""What the agent sees of WhatsApp/SMS delivery on the conversation page."""

import pytest
from django.core.files.base import ContentFile

from inbox.models import Attachment, Message
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_a_failed_reply_shows_twilios_code_and_reason_and_media_links_to_the_authorised_view(
    agent_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    failed = MessageFactory(
        channel="whatsapp",
        direction=Message.Direction.OUTBOUND,
        author_kind=Message.Author.AGENT,
        delivery_status=Message.Delivery.UNDELIVERED,
        error_code="30003",
        error_message="The phone is unreachable (off or out of coverage)",
    )
    inbound = MessageFactory(conversation=failed.conversation, channel="whatsapp")
    stored = Attachment(message=inbound, filename="media-0.jpg", content_type="image/jpeg")
    stored.file.save("media-0.jpg", ContentFile(b"jpeg"), save=True)
    Attachment.objects.create(
        message=inbound, filename="media-1", content_type="video/mp4", state="failed", error="The file is too large"
    )

    page = agent_client.get(f"/conversations/{failed.conversation_id}/").content.decode()
    assert "(30003 The phone is unreachable (off or out of coverage))" in page
    assert f'href="/attachments/{stored.pk}/"' in page
    assert "The file is too large" in page
