"""Twilio's message statuses in the inbox's words."""

from inbox.models import Message

D = Message.Delivery

TWILIO_STATUS = {
    "accepted": D.QUEUED,
    "scheduled": D.QUEUED,
    "queued": D.QUEUED,
    "sending": D.QUEUED,  # Twilio is sending it; our own "sending" means a worker holds it
    "sent": D.SENT,
    "delivered": D.DELIVERED,
    "read": D.READ,
    "failed": D.FAILED,
    "canceled": D.FAILED,
    "undelivered": D.UNDELIVERED,
}

# What the agent reads next to a failed message; Twilio's callbacks carry only the code.
TWILIO_ERRORS = {
    "21211": "The number is not a valid phone number",
    "21408": "Sending to this region is not enabled on the Twilio account",
    "21610": "The customer unsubscribed (replied STOP)",
    "21614": "The number cannot receive SMS",
    "30003": "The phone is unreachable (off or out of coverage)",
    "30004": "The message was blocked by the recipient or carrier",
    "30005": "Unknown destination number",
    "30006": "The number is a landline or cannot be reached",
    "30007": "The carrier filtered the message as spam",
    "30008": "Unknown error from the carrier",
    "63003": "The number is not on WhatsApp",
    "63016": "Outside WhatsApp's 24-hour window: only an approved template can be sent",
}


def error_text(code: str) -> str:
    if not code:
        return ""
    return TWILIO_ERRORS.get(str(code), f"Twilio error {code}")
