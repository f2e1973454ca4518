"""Attachments are shown to agents only, through this view (never a public media URL)."""

from django.http import FileResponse, Http404, HttpRequest

from inbox.access import agent_required
from inbox.models import Attachment

# Shown in the page; anything else (HTML, SVG, ...) is downloaded so it cannot run as our origin.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "audio/", "video/", "application/pdf")


@agent_required
def attachment_view(request: HttpRequest, pk: int) -> FileResponse:
    attachment = Attachment.objects.filter(pk=pk, state=Attachment.State.STORED).first()
    if attachment is None or not attachment.file:
        raise Http404("No such attachment")
    inline = attachment.content_type.startswith(INLINE_TYPES)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename or "attachment",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
