"""The agent's WhatsApp panel: is the 24-hour window open, and send an approved template.

The composer includes it with hx-get to ``twilio:whatsapp_panel``; it is one htmx partial.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from channels_app.models import WhatsAppTemplate
from channels_app.twilio.templates import whatsapp_template_send
from inbox.access import agent_required, check_conversation_see
from inbox.models import ContactKind, Conversation
from inbox.services import whatsapp_window


def _context(conversation: Conversation, **extra) -> dict:
    is_open, closes_at = whatsapp_window(conversation)
    reachable = conversation.customer.contact_points.filter(kind=ContactKind.WHATSAPP).exists()
    return {
        "conversation": conversation,
        "window_open": is_open,
        "window_closes_at": closes_at,
        "reachable": reachable,
        "templates": list(WhatsAppTemplate.objects.filter(active=True)),
        **extra,
    }


@agent_required
def whatsapp_panel(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=pk)
    check_conversation_see(request.user, conversation)
    if request.method != "POST":
        return render(request, "channels_app/_whatsapp_panel.html", _context(conversation))
    template = WhatsAppTemplate.objects.filter(pk=request.POST.get("template"), active=True).first()
    if template is None:
        context = _context(conversation, error="Choose one of the approved templates")
        return render(request, "channels_app/_whatsapp_panel.html", context, status=422)
    variables = {key: request.POST.get(f"var_{key}", "") for key in template.variables}
    try:
        whatsapp_template_send(conversation=conversation, template=template, variables=variables, author=request.user)
    except ValidationError as exc:
        context = _context(conversation, error=" ".join(exc.messages), chosen=template.pk)
        return render(request, "channels_app/_whatsapp_panel.html", context, status=422)
    return render(request, "channels_app/_whatsapp_panel.html", _context(conversation, sent=template.name))
