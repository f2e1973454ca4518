"""The registry of outbound senders, one per channel.

A sender takes a stored outbound Message and hands it to its transport, returning the
provider's id for it (Twilio's MessageSid, the email Message-ID, ...). It raises SendError
when it cannot: ``transient=True`` means try again later, otherwise the message fails
visibly with ``code`` and ``reason`` shown to the agent.
"""

from collections.abc import Callable

from inbox.models import Message

Sender = Callable[[Message], str]
SENDERS: dict[str, Sender] = {}


class SendError(Exception):
    def __init__(self, reason: str, *, code: str = "", transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.transient = transient


def sender(channel: str) -> Callable[[Sender], Sender]:
    """Register the decorated function as the sender for ``channel``."""

    def register(func: Sender) -> Sender:
        SENDERS[channel] = func
        return func

    return register


class SendOutcomeUnknown(SendError):
    """The provider may or may not have taken the message (e.g. it stopped answering mid-request).

    The message stays ``sending`` and is never resent blindly: a status callback or the
    recovery beat task resolves it.
    """
