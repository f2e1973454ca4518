"""Ask for satisfaction after resolution, on the customer's own channel, and understand the answer."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from inbox.csat.models import CsatSurvey
from inbox.models import Channel, Conversation, Message
from inbox.services.messages import message_append_outbound
from inbox.services.whatsapp import whatsapp_window

LINK_SALT = "inbox.csat.link"


def csat_link_token(survey: CsatSurvey) -> str:
    return signing.dumps(survey.pk, salt=LINK_SALT)


def csat_survey_from_token(token: str) -> CsatSurvey:
    try:
        pk = signing.loads(token, salt=LINK_SALT, max_age=timedelta(days=settings.CSAT_LINK_DAYS))
    except signing.BadSignature:
        raise ValidationError("This rating link is not valid or has expired") from None
    return CsatSurvey.objects.select_related("conversation").get(pk=pk)


def csat_request(*, conversation: Conversation) -> CsatSurvey | None:
    """Ask the customer how it went, unless already asked or asked recently (cool-down).

    Asks on the channel of their last message: buttons in the chat widget, a 1-5 reply on
    WhatsApp/SMS, one-click links by email.
    """
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().select_related("customer").get(pk=conversation.pk)
        if conversation.status != Conversation.Status.RESOLVED or not conversation.last_inbound_channel:
            return None
        if CsatSurvey.objects.filter(conversation=conversation).exists():
            return None
        since = timezone.now() - timedelta(days=settings.CSAT_COOLDOWN_DAYS)
        if CsatSurvey.objects.filter(customer=conversation.customer, asked_at__gte=since).exists():
            return None
        if conversation.last_inbound_channel == Channel.WHATSAPP and not whatsapp_window(conversation)[0]:
            return None  # only an approved template may go out now; a survey is not worth one
        replies = conversation.messages.filter(direction=Message.Direction.OUTBOUND)
        last_human = replies.filter(author_kind=Message.Author.AGENT).order_by("-created_at").first()
        survey = CsatSurvey.objects.create(
            conversation=conversation,
            customer=conversation.customer,
            channel=conversation.last_inbound_channel,
            resolved_by_ai=last_human is None and replies.filter(author_kind=Message.Author.AI).exists(),
            agent=last_human.author if last_human else conversation.assignee,
        )
        message_append_outbound(
            conversation=conversation,
            channel=survey.channel,
            author_kind=Message.Author.SYSTEM,
            **_question(survey),
        )
    return survey


def _question(survey: CsatSurvey) -> dict:
    ask = "How did we do? "
    if survey.channel == Channel.EMAIL:
        base = f"{settings.PUBLIC_BASE_URL}{reverse('csat:rate', args=[csat_link_token(survey)])}"
        links = "\n".join(f"{n} - {base}?rating={n}" for n in range(5, 0, -1))
        html_links = " ".join(f'<a href="{base}?rating={n}">{"★" * n}</a>' for n in range(5, 0, -1))
        return {
            "text": f"{ask}Rate this conversation with one click:\n{links}",
            "html": f"<p>{ask}Rate this conversation with one click:</p><p>{html_links}</p>",
            "metadata": {"csat_survey": survey.pk},
        }
    if survey.channel == Channel.CHAT:
        return {"text": f"{ask}Tap a rating from 1 (bad) to 5 (great).", "metadata": {"csat_survey": survey.pk}}
    return {"text": f"{ask}Reply with a number from 1 (bad) to 5 (great).", "metadata": {"csat_survey": survey.pk}}
