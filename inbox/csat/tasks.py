from celery import shared_task

from inbox.csat.services import csat_request
from inbox.models import Conversation


@shared_task(acks_late=True)
def csat_request_task(conversation_id: int) -> None:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is not None:
        csat_request(conversation=conversation)
