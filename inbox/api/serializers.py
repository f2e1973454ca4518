"""The public JSON shapes of the API and of webhook payloads (one definition for both)."""

from inbox.models import Conversation, Customer, Message


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def customer_json(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "language": customer.language,
        "tags": customer.tags,
        "attributes": customer.attributes,
        "contact_points": [
            {"kind": cp.kind, "address": cp.address, "verified": cp.verified} for cp in customer.contact_points.all()
        ],
        "created_at": _iso(customer.created_at),
    }


def conversation_json(conversation: Conversation) -> dict:
    return {
        "id": conversation.pk,
        "customer_id": conversation.customer_id,
        "subject": conversation.subject,
        "status": conversation.status,
        "owner": conversation.owner,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "priority": conversation.get_priority_display().lower(),
        "tags": conversation.tags,
        "channels": conversation.channels,
        "last_message_at": _iso(conversation.last_message_at),
        "waiting_since": _iso(conversation.waiting_since),
        "first_response_at": _iso(conversation.first_response_at),
        "resolved_at": _iso(conversation.resolved_at),
        "created_at": _iso(conversation.created_at),
    }


def message_json(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "channel": message.channel or None,
        "direction": message.direction,
        "author": message.author_kind,
        "author_user_id": message.author_id,
        "text": message.text,
        "html": message.html,
        "delivery_status": message.delivery_status or None,
        "error_code": message.error_code or None,
        "created_at": _iso(message.created_at),
    }
