"""The simulated email customer: reads what the demo SMTP sink kept, writes over real SMTP.

A stand-in for a person's mail client. It speaks SMTP to the inbound receiver exactly like a
mail server would; all threading and storage happen in the product code on the other side.
"""

import smtplib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from django.conf import settings

MAILBOX_LIMIT = 50


def mailbox_messages(*, address: str, directory: Path | None = None) -> list[dict]:
    """Mail the sink kept for ``address``, newest first."""
    directory = Path(directory or settings.EMAIL_SINK_DIR)
    address = address.strip().lower()
    if not address or not directory.exists():
        return []
    found = []
    for path in sorted(directory.glob("*.eml"), reverse=True):
        with path.open("rb") as handle:
            if address not in handle.readline().decode("latin-1").lower():  # X-Sink-Recipients
                continue
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = message.get_body(("plain", "html"))
        found.append(
            {
                "key": path.stem,
                "subject": str(message["Subject"] or ""),
                "from": str(message["From"] or ""),
                "date": str(message["Date"] or ""),
                "message_id": str(message["Message-ID"] or ""),
                "references": str(message["References"] or ""),
                "reply_to": str(message["Reply-To"] or message["From"] or ""),
                "text": body.get_content() if body is not None else "",
            }
        )
        if len(found) >= MAILBOX_LIMIT:
            break
    return found


def customer_email_send(
    *,
    from_address: str,
    from_name: str,
    to: str,
    subject: str,
    body: str,
    in_reply_to: str = "",
    references: str = "",
    quoted: str = "",
) -> str:
    """Send mail as the customer to the inbound SMTP receiver; returns its Message-ID."""
    message = EmailMessage()
    message["From"] = formataddr((from_name, from_address))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or "customer.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = f"{references} {in_reply_to}".strip()
        if quoted:  # like every mail client: the history under the answer
            quote = "\n".join(f"> {line}" for line in quoted.splitlines())
            body = f"{body}\n\nOn {formatdate(localtime=True)}, Support wrote:\n{quote}\n"
    message.set_content(body)
    with smtplib.SMTP(settings.EMAIL_INBOUND_SMTP_HOST, settings.EMAIL_INBOUND_SMTP_PORT, timeout=10) as client:
        client.send_message(message)
    return message["Message-ID"]
