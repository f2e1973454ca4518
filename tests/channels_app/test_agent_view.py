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


def test_outside_the_window_the_composer_offers_the_template_panel_outside_its_own_form(agent_client):
    from inbox.services import message_receive

    conversation = message_receive(channel="whatsapp", address="+15551230000", text="Hi").message.conversation
    Message.objects.filter(conversation=conversation).update(created_at="2026-01-01T00:00:00Z")
    type(conversation).objects.filter(pk=conversation.pk).update(whatsapp_last_inbound_at="2026-01-01T00:00:00Z")

    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    composer_end = page.index("</form>", page.index('id="composer"'))
    panel = page.index(f'hx-get="/conversations/{conversation.pk}/whatsapp/"')
    assert panel > composer_end, "template forms must not nest in the composer's form"
    assert "24-hour window is closed" in page
    assert agent_client.get(f"/conversations/{conversation.pk}/whatsapp/").status_code == 200
