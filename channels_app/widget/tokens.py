"""Who a widget visitor is: a signed token the browser keeps, and the host site's identify HMAC."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing

_SALT = "channels_app.widget.visitor"


def visitor_token_issue() -> tuple[str, str]:
    """A new anonymous visitor: ``(token, visitor_id)``. The token is all the browser stores."""
    visitor_id = f"v_{secrets.token_urlsafe(12)}"
    return signing.dumps({"v": visitor_id}, salt=_SALT, compress=False), visitor_id


def visitor_token_read(token: str) -> str | None:
    """The visitor id in a token we issued, or None for anything forged, altered or malformed."""
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    visitor_id = data.get("v") if isinstance(data, dict) else None
    return visitor_id if isinstance(visitor_id, str) and visitor_id.startswith("v_") else None


def identity_hash(email: str) -> str:
    """What the host site computes server-side: HMAC-SHA256(WIDGET_IDENTITY_SECRET, lower-cased email), hex."""
    key = settings.WIDGET_IDENTITY_SECRET.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def identity_verify(*, email: str, signature: str) -> bool:
    if not settings.WIDGET_IDENTITY_SECRET or not isinstance(signature, str) or not isinstance(email, str):
        return False
    return hmac.compare_digest(identity_hash(email), signature.strip().lower())
