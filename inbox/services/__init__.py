"""Every write to the inbox goes through a function here: typed, keyword-only, `<entity>_<action>`."""

from inbox.services.contacts import contact_address_normalise, contact_point_resolve
from inbox.services.conversations import conversation_assign, conversation_set_status
from inbox.services.delivery import message_delivery_update
from inbox.services.handoff import conversation_handoff_to_human
from inbox.services.messages import (
    IncomingAttachment,
    Received,
    message_append_outbound,
    message_receive,
    note_add,
    system_event_add,
)
from inbox.services.whatsapp import whatsapp_window, whatsapp_window_check

__all__ = [
    "IncomingAttachment",
    "Received",
    "contact_address_normalise",
    "contact_point_resolve",
    "conversation_assign",
    "conversation_handoff_to_human",
    "conversation_set_status",
    "message_append_outbound",
    "message_delivery_update",
    "message_receive",
    "note_add",
    "system_event_add",
    "whatsapp_window",
    "whatsapp_window_check",
]
