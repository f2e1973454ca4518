"""SMTP servers (aiosmtpd): the production inbound receiver and the demo's outbound sink.

The receiver is what an MX record (or a relay like Postfix forwarding to it) delivers to. It
accepts mail only for the support mailbox and its signed +tags, answers 250 once the message
is stored, 550 when it can never be stored, and 451 (try again later) when the database is
unavailable, so the sending server keeps the message rather than losing it.
"""

import logging
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError

from channels_app.email.addresses import is_ours
from channels_app.email.inbound import email_receive
from channels_app.email.parsing import EmailUnreadable

logger = logging.getLogger(__name__)
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO


class InboundHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not is_ours(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content or b""
        try:
            received = await database_sync_to_async(email_receive)(raw=raw, envelope_recipients=envelope.rcpt_tos)
        except EmailUnreadable as exc:
            logger.warning("refused email from %s: %s", envelope.mail_from, exc)
            return f"550 5.6.0 Message refused: {exc}"
        except DatabaseError:
            logger.exception("database unavailable; asking the sender to retry")
            return "451 4.3.0 Temporarily unable to store the message, try again later"
        except Exception:  # never drop the connection over one message; the sender retries
            logger.exception("could not store email from %s", envelope.mail_from)
            return "451 4.3.0 Temporarily unable to process the message"
        return f"250 OK stored as message {received.message.pk}"


class SinkHandler:
    """Demo only: keeps every outgoing email as a file, the simulated customers' mailboxes."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        recipients = ", ".join(address.lower() for address in envelope.rcpt_tos)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        content = envelope.original_content or envelope.content or b""
        (self.directory / name).write_bytes(f"X-Sink-Recipients: {recipients}\r\n".encode() + content)
        logger.info("sink: mail to %s kept as %s", recipients, name)
        return "250 OK kept"


def inbound_controller(*, host: str, port: int) -> Controller:
    return Controller(
        InboundHandler(), hostname=host, port=port, data_size_limit=settings.EMAIL_INBOUND_MAX_BYTES, ready_timeout=10
    )


def sink_controller(*, host: str, port: int, directory: Path) -> Controller:
    return Controller(SinkHandler(directory), hostname=host, port=port, ready_timeout=10)


def smtp_serve(controller: Controller, *, address: str, listening: str, stdout, stderr) -> None:
    """Run an SMTP controller until interrupted.

    If it cannot listen, it says why and idles instead of exiting: under a process manager
    one exiting process stops the whole app.
    """
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:
        stderr.write(f"Could not listen on {address}: {exc}")
        stderr.flush()
        idle_forever()
    stdout.write(listening, ending="\n")
    stdout.flush()
    try:
        idle_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def idle_forever() -> None:
    while True:
        time.sleep(3600)
