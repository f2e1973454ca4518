"""Turn raw RFC 5322 bytes into what the inbox stores, without ever raising on bad input.

Only ``email_parse`` raises (EmailUnreadable) and only when there is nobody to answer: no usable
From address. Everything else degrades: unknown charsets decode with replacement characters,
broken MIME parts are skipped, a missing Message-ID gets a content hash.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html import escape
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

from channels_app.email.addresses import message_id_clean, message_ids_in
from inbox.services import IncomingAttachment

logger = logging.getLogger(__name__)

REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs"]
AUTOMATED_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@.-]|$)", re.I)


class EmailUnreadable(ValueError):
    """The message cannot be stored: there is no sender to attribute it to."""


@dataclass
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str
    subject: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    text: str = ""  # the whole plain-text body, quoted history included
    html: str = ""  # unsanitised; message_receive cleans it
    reply_html: str = ""  # html without the quoted history
    reply_text: str = ""  # what the customer wrote this time: quotes and signature removed
    attachments: list[IncomingAttachment] = field(default_factory=list)
    auto_reply: str = ""  # why we think a machine sent it, "" for a person
    bounced_message_ids: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this one answers, nearest first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


def email_parse(raw: bytes) -> ParsedEmail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    from_name, from_address = _address(message, "From")
    if not from_address:
        from_name, from_address = _address(message, "Sender")
    if not from_address or "@" not in from_address:
        raise EmailUnreadable("no sender address (From)")
    text, html, attachments = _bodies(message)
    if not text and html:
        text = html_to_text(html)
    parsed = ParsedEmail(
        message_id=message_id_clean(_header(message, "Message-ID")) or _content_id(raw),
        from_address=from_address.lower(),
        from_name=from_name,
        subject=" ".join(_header(message, "Subject").split())[:300],
        in_reply_to=message_ids_in(_header(message, "In-Reply-To")),
        references=message_ids_in(_header(message, "References")),
        recipients=[
            a.lower() for h in ("To", "Cc", "Delivered-To", "X-Original-To") for _, a in _addresses(message, h)
        ],
        text=text,
        html=html,
        attachments=attachments,
    )
    parsed.auto_reply = _automated(message, parsed.from_address)
    if message.get_content_type() == "multipart/report":
        parsed.bounced_message_ids = _reported_ids(message)
    parsed.reply_text = reply_strip(text)
    parsed.reply_html = html_reply_strip(html) if html else ""
    return parsed


def reply_strip(text: str) -> str:
    """The new part of a reply: quoted history and signature removed; the whole text if that leaves nothing."""
    try:
        replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text).replies
    except Exception:  # a third-party regex engine on hostile input: never lose the message over it
        return text.strip()
    body = replies[0].body.strip() if replies else ""
    return body or text.strip()


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name, "")
        return str(value) if value is not None else ""
    except Exception:  # a malformed header the parser defers until access
        raw = message.get_all(name, failobj=[""])
        return str(raw[0]) if raw else ""


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    try:
        return [(n, a) for n, a in getaddresses(message.get_all(name, failobj=[])) if a]
    except Exception:
        return []


def _address(message: Message, name: str) -> tuple[str, str]:
    found = _addresses(message, name)
    if found:
        return found[0]
    return parseaddr(_header(message, name))


def _content_id(raw: bytes) -> str:
    """A stand-in Message-ID for mail without one, so a redelivery is still stored once."""
    return f"sha256.{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id"


def _decode(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    if charset.lower() in ("iso-8859-1", "latin-1", "us-ascii", "ascii"):
        charset = "windows-1252"  # what senders mean by these in practice (curly quotes, euro sign)
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def _bodies(message: Message) -> tuple[str, str, list[IncomingAttachment]]:
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[IncomingAttachment] = []
    for part in message.walk() if message.is_multipart() else [message]:
        if part.is_multipart():
            continue
        try:
            content_type = part.get_content_type()
            disposition = part.get_content_disposition()
            filename = part.get_filename() or ""
        except Exception:
            logger.warning("skipped an unreadable MIME part", exc_info=True)
            continue
        if disposition == "attachment" or filename or not content_type.startswith("text/"):
            if content_type in ("message/delivery-status", "text/rfc822-headers"):
                continue
            payload = part.get_payload(decode=True)
            if payload is None and content_type == "message/rfc822":
                payload = part.get_payload(0).as_bytes() if isinstance(part.get_payload(), list) else b""
            if payload:
                attachments.append(
                    IncomingAttachment(
                        filename=filename or _default_name(content_type), content_type=content_type, content=payload
                    )
                )
            continue
        if content_type == "text/plain":
            text_parts.append(_decode(part))
        elif content_type == "text/html":
            html_parts.append(_decode(part))
    return "\n\n".join(t.strip() for t in text_parts).strip(), "\n".join(html_parts).strip(), attachments


def _default_name(content_type: str) -> str:
    return {"message/rfc822": "forwarded.eml"}.get(content_type, "attachment")


def _automated(message: Message, from_address: str) -> str:
    """Why this message looks machine-sent (RFC 3834 and common practice), or ""."""
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):  # not X-Auto-Response-Suppress: Outlook puts it on people's mail too
        if _header(message, name).strip():
            return name
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "auto_reply", "junk", "list"):
        return f"Precedence: {precedence}"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if AUTOMATED_SENDERS.match(from_address.partition("@")[0]):
        return f"sender {from_address.partition('@')[0]}"
    if _header(message, "Return-Path").strip() == "<>":
        return "null return path"
    return ""


def _reported_ids(report: Message) -> list[str]:
    """Message-IDs of our mail that a bounce reports on (from its returned headers)."""
    ids: list[str] = []
    for part in report.walk():
        content_type = part.get_content_type()
        try:
            if content_type == "message/rfc822":
                inner = part.get_payload(0) if isinstance(part.get_payload(), list) else None
                if isinstance(inner, EmailMessage | Message):
                    ids.extend(message_ids_in(_header(inner, "Message-ID")))
            elif content_type == "text/rfc822-headers":
                headers = BytesParser(policy=policy.default).parsebytes(part.get_payload(decode=True) or b"")
                ids.extend(message_ids_in(_header(headers, "Message-ID")))
        except Exception:
            logger.warning("skipped an unreadable part of a delivery report", exc_info=True)
            continue
    return list(dict.fromkeys(ids))


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote_depth += 1
            self.lines.append("")
        elif tag in self.BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.lines.append("")
        elif tag in self.BLOCKS:
            self.lines.append("")

    def handle_data(self, data):
        if self.skipping:
            return
        data = " ".join(data.split())
        if not data:
            return
        if not self.lines[-1] and self.quote_depth:
            self.lines[-1] = "> " * self.quote_depth
        self.lines[-1] = (
            f"{self.lines[-1]} {data}".strip() if not self.lines[-1].endswith("> ") else self.lines[-1] + data
        )


def html_to_text(html: str) -> str:
    """Readable text from an HTML-only email; blockquotes become ``>`` quotes so stripping works."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:
        return ""
    text = "\n".join(line.rstrip() for line in extractor.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Where mail clients put the quoted history in HTML: Gmail, Apple Mail/Thunderbird, Yahoo.
QUOTE_CLASSES = {"gmail_quote", "gmail_extra", "yahoo_quoted", "moz-cite-prefix"}
# Outlook starts the history with one of these and never closes it: cut from there to the end.
CUT_IDS = {"appendonsend", "divrplyfwdmsg", "stopspelling"}


class _QuoteStripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.cut = False

    def _is_quote(self, tag: str, attrs: dict) -> bool:
        classes = set((attrs.get("class") or "").lower().split())
        return bool(classes & QUOTE_CLASSES) or (tag == "blockquote" and (attrs.get("type") or "").lower() == "cite")

    def handle_starttag(self, tag, attrs):
        if self.cut:
            return
        attributes = dict(attrs)
        if (attributes.get("id") or "").lower() in CUT_IDS:
            self.cut = True
            return
        if self.skip_depth:
            self.skip_depth += tag not in VOID_TAGS
            return
        if self._is_quote(tag, attributes):
            self.skip_depth = 0 if tag in VOID_TAGS else 1
            return
        rendered = "".join(f' {name}="{escape(value or "")}"' for name, value in attrs)
        self.out.append(f"<{tag}{rendered}>")

    def handle_endtag(self, tag):
        if self.cut or tag in VOID_TAGS:
            return
        if self.skip_depth:
            self.skip_depth -= 1
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.cut and not self.skip_depth:
            self.out.append(escape(data, quote=False))


def html_reply_strip(html: str) -> str:
    """The reply's HTML without the quoted history; the whole HTML if that would leave no text."""
    stripper = _QuoteStripper()
    try:
        stripper.feed(html)
        stripper.close()
    except Exception:
        return html
    stripped = "".join(stripper.out)
    return stripped if html_to_text(stripped).strip() else html
