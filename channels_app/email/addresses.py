"""Our own addresses: the support mailbox, signed per-conversation reply addresses, Message-IDs.

A reply address looks like ``support+c42.3f9a0c1b2d4e5f60@example.com``. The tag is an HMAC of
the conversation id keyed by SECRET_KEY, so nobody can write into a conversation by guessing
its number; mail servers may lower-case the local part, so the tag is lower-case hex.
"""

import re
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "channels_app.email.reply-address"
_TAG_LENGTH = 16


def support_address() -> str:
    """The plain support mailbox, e.g. ``support@example.com``."""
    return (settings.SUPPORT_EMAIL_ADDRESS or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]).lower()


def message_id_domain() -> str:
    return support_address().rpartition("@")[2] or "localhost"


def _tag(conversation_id: int) -> str:
    return salted_hmac(_SALT, str(conversation_id)).hexdigest()[:_TAG_LENGTH]


def reply_address_for(conversation_id: int) -> str:
    local, _, domain = support_address().partition("@")
    return f"{local}+c{conversation_id}.{_tag(conversation_id)}@{domain}"


def conversation_from_address(address: str) -> int | None:
    """The conversation a signed reply address names, or None (unsigned, forged, someone else's)."""
    local, _, domain = parseaddr(address)[1].lower().partition("@")
    support_local, _, support_domain = support_address().partition("@")
    if domain != support_domain:
        return None
    match = re.fullmatch(rf"{re.escape(support_local)}\+c(\d{{1,18}})\.([0-9a-f]{{{_TAG_LENGTH}}})", local)
    if not match:
        return None
    conversation_id = int(match.group(1))
    if not constant_time_compare(match.group(2), _tag(conversation_id)):
        return None
    return conversation_id


def is_ours(address: str) -> bool:
    """Whether mail to ``address`` is for us: the support mailbox or one of its +tag variants."""
    local, _, domain = parseaddr(address)[1].lower().partition("@")
    support_local, _, support_domain = support_address().partition("@")
    return domain == support_domain and (local == support_local or local.startswith(f"{support_local}+"))


def message_id_clean(value: str) -> str:
    """A Message-ID without angle brackets or folding whitespace (how external_id stores it)."""
    return "".join((value or "").split()).strip("<>")


def message_ids_in(header: str) -> list[str]:
    """Every ``<id>`` in a References / In-Reply-To header, in order."""
    return [found for found in re.findall(r"<([^<>\s]+)>", header or "")]
