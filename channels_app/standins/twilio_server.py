"""A local stand-in for Twilio's Messages API: a test fixture and demo aid, no product logic.

It speaks what the twilio SDK calls (create and fetch a Message, form-encoded, basic auth,
Twilio-shaped JSON and errors), records what the app sent, posts correctly signed status
callbacks (queued -> sent -> delivered -> read, a little apart), serves media behind basic
auth, and plays a WhatsApp or SMS customer by posting signed inbound webhooks.

Control API (used by the phone simulator and the tests):
  POST /_sim/inbound   {"channel": "whatsapp"|"sms", "from": "+1555...", "body": "...",
                        "name"?, "media_url"?, "media_type"?, "media_base64"?, "sid"?}
                       -> {"sid": ..., "app_status": <HTTP status the app answered>}
                       ("sid" re-sends an earlier message: what a Twilio retry looks like)
  GET  /_sim/messages?to=+1555...   what the app sent to that number, with statuses
  GET  /_sim/thread?number=+1555... both directions for that number, oldest first
  POST /_sim/fail-next {"status": 503, "code": 20500, "count": 1, "message"?}  the next
                       Messages create calls fail like that (tests: retries and errors)
  POST /_sim/reset     forget everything

Magic numbers, as with Twilio's test credentials: +15005550001 is invalid (21211),
+15005550009 cannot receive SMS (21614); +15005550004 is accepted but ends undelivered (30003).

Run: python -m channels_app.standins.twilio_server  (settings from the environment / Django)
"""

import base64
import contextlib
import itertools
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twilio.request_validator import RequestValidator

logger = logging.getLogger("twilio_standin")
API = "/2010-04-01/Accounts/"
REJECTED = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
UNDELIVERABLE = "+15005550004"


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class Sent:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str
    content_sid: str = ""
    content_variables: str = ""
    status: str = "queued"
    error_code: int | None = None
    direction: str = "outbound-api"
    order: int = 0
    created: float = field(default_factory=time.time)
    statuses: list = field(default_factory=list)


class TwilioStandin:
    """One stand-in server. ``start()`` serves it on a thread; ``url`` is its base URL."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        webhook_url: str,
        whatsapp_number: str,
        sms_number: str,
        port: int = 0,
        host: str = "127.0.0.1",
        callback_delay: float | None = 0.4,
        create_delay: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.webhook_url = webhook_url
        self.numbers = {"whatsapp": whatsapp_number, "sms": sms_number}
        self.callback_delay = callback_delay  # None: send no status callbacks
        self.create_delay = create_delay  # a slow answer after accepting: widens a crash window in tests
        self.messages: dict[str, Sent] = {}
        self.inbound: list[dict] = []
        self.media: dict[str, tuple[str, bytes]] = {}
        self.failures: list[dict] = []
        self.callbacks: list[dict] = []  # what we posted back, with the app's answer
        self.lock = threading.Lock()
        self._order = itertools.count()
        standin = self

        class Handler(_Handler):
            server_state = standin

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "TwilioStandin":
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="twilio-standin", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ----- signing and posting to the app ----------------------------------------------

    def signed_post(self, url: str, params: dict[str, str]) -> int:
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        request = urllib.request.Request(  # noqa: S310 - the app's configured URL
            url,
            data=urllib.parse.urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
                "I-Twilio-Idempotency-Token": secrets.token_hex(8),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - the app's configured URL
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError as exc:
            logger.warning("could not reach %s: %s", url, exc)
            return 0

    def customer_writes(self, payload: dict) -> dict:
        channel = payload.get("channel")
        sender = str(payload.get("from", "")).strip()
        if channel not in self.numbers or not sender:
            raise ValueError('"channel" (whatsapp or sms) and "from" are required')
        prefix = "whatsapp:" if channel == "whatsapp" else ""
        media = []
        if payload.get("media_base64"):
            media_sid = _sid("ME")
            media_type = payload.get("media_type") or "application/octet-stream"
            with self.lock:
                self.media[media_sid] = (media_type, base64.b64decode(payload["media_base64"]))
            media.append((f"{self.url}{API}{self.account_sid}/Media/{media_sid}", media_type))
        elif payload.get("media_url"):
            media.append((payload["media_url"], payload.get("media_type") or "application/octet-stream"))
        sid = payload.get("sid") or _sid("MM" if media else "SM")
        params = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "From": prefix + sender,
            "To": prefix + self.numbers[channel],
            "Body": str(payload.get("body", "")),
            "NumMedia": str(len(media)),
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        if channel == "whatsapp":
            params["WaId"] = sender.lstrip("+")
            params["ProfileName"] = str(payload.get("name", ""))
        for i, (url, media_type) in enumerate(media):
            params[f"MediaUrl{i}"] = url
            params[f"MediaContentType{i}"] = media_type
        if not payload.get("sid"):
            with self.lock:
                self.inbound.append(
                    {"order": next(self._order), "sid": sid, "channel": channel, "from": sender,
                     "body": params["Body"], "media": len(media), "direction": "inbound"}
                )  # fmt: skip
        return {"sid": sid, "app_status": self.signed_post(self.webhook_url, params)}

    # ----- what the SDK calls --------------------------------------------------------

    def message_create(self, form: dict[str, str]) -> tuple[int, dict]:
        to, from_ = form.get("To", ""), form.get("From", "")
        if not to:
            return 400, _error(21604, "A 'To' phone number is required.")
        if not from_:
            return 400, _error(21603, "A 'From' phone number is required.")
        if not form.get("Body") and not form.get("ContentSid") and not form.get("MediaUrl"):
            return 400, _error(21602, "Message body is required.")
        with self.lock:
            if self.failures:
                failure = self.failures[0]
                failure["count"] -= 1
                if failure["count"] <= 0:
                    self.failures.pop(0)
                return failure["status"], _error(failure["code"], failure["message"], failure["status"])
        bare_to = to.removeprefix("whatsapp:")
        if bare_to in REJECTED:
            return 400, _error(*REJECTED[bare_to])
        body = form.get("Body", "")
        sent = Sent(
            sid=_sid("SM"),
            to=to,
            from_=from_,
            body=body,
            status_callback=form.get("StatusCallback", ""),
            content_sid=form.get("ContentSid", ""),
            content_variables=form.get("ContentVariables", ""),
        )
        sent.statuses.append("queued")
        with self.lock:
            self.messages[sent.sid] = sent
            sent.order = next(self._order)
        if sent.status_callback and self.callback_delay is not None:
            threading.Thread(target=self._progress, args=(sent,), daemon=True).start()
        if self.create_delay:
            time.sleep(self.create_delay)
        return 201, self.message_json(sent)

    def _progress(self, sent: Sent) -> None:
        steps = ["sent", "delivered"]
        if sent.to.startswith("whatsapp:"):
            steps.append("read")
        if sent.to.removeprefix("whatsapp:") == UNDELIVERABLE:
            steps = ["sent", "undelivered"]
        for status in steps:
            time.sleep(self.callback_delay)
            with self.lock:
                sent.status = status
                sent.statuses.append(status)
                if status == "undelivered":
                    sent.error_code = 30003
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": "2010-04-01",
                "From": sent.from_,
                "To": sent.to,
                "MessageSid": sent.sid,
                "SmsSid": sent.sid,
                "MessageStatus": status,
                "SmsStatus": status,
            }
            if sent.to.startswith("whatsapp:"):
                params["ChannelPrefix"] = "whatsapp"
            if sent.error_code:
                params["ErrorCode"] = str(sent.error_code)
            answer = self.signed_post(sent.status_callback, params)
            with self.lock:
                self.callbacks.append({"sid": sent.sid, "status": status, "app_status": answer})

    def message_json(self, sent: Sent) -> dict:
        now = formatdate(usegmt=True)
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": sent.body,
            "date_created": formatdate(sent.created, usegmt=True),
            "date_sent": now if sent.status != "queued" else None,
            "date_updated": now,
            "direction": sent.direction,
            "error_code": sent.error_code,
            "error_message": None,
            "from": sent.from_,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sent.sid,
            "status": sent.status,
            "subresource_uris": {"media": f"{API}{self.account_sid}/Messages/{sent.sid}/Media.json"},
            "to": sent.to,
            "uri": f"{API}{self.account_sid}/Messages/{sent.sid}.json",
        }

    def sent_to(self, number: str) -> list[dict]:
        with self.lock:
            found = [m for m in self.messages.values() if m.to.removeprefix("whatsapp:") == number]
            return [
                {"order": m.order, "sid": m.sid, "channel": "whatsapp" if m.to.startswith("whatsapp:") else "sms",
                 "to": m.to, "from": m.from_, "body": m.body, "content_sid": m.content_sid,
                 "content_variables": m.content_variables, "status": m.status, "statuses": list(m.statuses),
                 "error_code": m.error_code, "direction": "outbound"}
                for m in found
            ]  # fmt: skip


def _error(code: int, message: str, status: int = 400) -> dict:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


class _Handler(BaseHTTPRequestHandler):
    server_state: TwilioStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        logger.debug(format, *args)

    def _send(self, status: int, payload, content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorised(self) -> bool:
        state = self.server_state
        expected = base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
        if secrets.compare_digest(self.headers.get("Authorization", ""), f"Basic {expected}"):
            return True
        self._send(401, _error(20003, "Authenticate", 401))
        return False

    def do_GET(self) -> None:
        state = self.server_state
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/_sim/messages":
            return self._send(200, state.sent_to(query.get("to", "")))
        if url.path == "/_sim/thread":
            number = query.get("number", "")
            with state.lock:
                inbound = [m for m in state.inbound if m["from"] == number]
            return self._send(200, sorted(inbound + state.sent_to(number), key=lambda m: m["order"]))
        prefix = f"{API}{state.account_sid}/"
        if not url.path.startswith(prefix):
            return self._send(404, _error(20404, "The requested resource was not found", 404))
        if not self._authorised():
            return None
        rest = url.path[len(prefix) :]
        if rest.startswith("Media/"):
            found = state.media.get(rest.removeprefix("Media/"))
            if found is None:
                return self._send(404, _error(20404, "The requested resource was not found", 404))
            return self._send(200, found[1], found[0])
        if rest.startswith("Messages/") and rest.endswith(".json"):
            sent = state.messages.get(rest.removeprefix("Messages/").removesuffix(".json"))
            if sent is None:
                return self._send(404, _error(20404, "The requested resource was not found", 404))
            return self._send(200, state.message_json(sent))
        return self._send(404, _error(20404, "The requested resource was not found", 404))

    def do_POST(self) -> None:
        state = self.server_state
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_sim/"):
            return self._control(path)
        if path != f"{API}{state.account_sid}/Messages.json":
            return self._send(404, _error(20404, "The requested resource was not found", 404))
        if not self._authorised():
            return None
        form = dict(urllib.parse.parse_qsl(self._body().decode(), keep_blank_values=True))
        status, payload = state.message_create(form)
        return self._send(status, payload)

    def _control(self, path: str) -> None:
        state = self.server_state
        try:
            payload = json.loads(self._body() or b"{}")
        except ValueError:
            return self._send(400, {"error": "send JSON"})
        if path == "/_sim/inbound":
            try:
                return self._send(200, state.customer_writes(payload))
            except ValueError as exc:
                return self._send(400, {"error": str(exc)})
        if path == "/_sim/fail-next":
            failure = {
                "status": int(payload.get("status", 503)),
                "code": int(payload.get("code", 20503)),
                "count": int(payload.get("count", 1)),
                "message": payload.get("message", "Service unavailable (stand-in)"),
            }
            with state.lock:
                state.failures.append(failure)
            return self._send(200, failure)
        if path == "/_sim/reset":
            with state.lock:
                state.messages.clear()
                state.inbound.clear()
                state.failures.clear()
                state.callbacks.clear()
            return self._send(200, {"ok": True})
        return self._send(404, {"error": "unknown control endpoint"})


def main() -> None:
    import os
    import signal

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.urls import reverse

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s twilio-standin: %(message)s")
    port = settings.TWILIO_STANDIN_PORT
    ours = {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}
    if settings.TWILIO_API_BASE_URL not in ours:
        # honcho stops every process when one exits, so idle instead of exiting.
        logger.info("TWILIO_API_BASE_URL is %s: the stand-in stays idle", settings.TWILIO_API_BASE_URL)
        signal.pause()
        return
    try:
        standin = TwilioStandin(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            webhook_url=settings.PUBLIC_BASE_URL + reverse("twilio:inbound"),
            whatsapp_number=settings.TWILIO_WHATSAPP_FROM,
            sms_number=settings.TWILIO_SMS_FROM,
            port=port,
        )
    except OSError as exc:
        # Keep the rest of the demo running (honcho would stop it all if we exited).
        logger.error("cannot listen on port %s (%s): WhatsApp/SMS are unavailable in this demo", port, exc)
        signal.pause()
        return
    logger.info("serving Twilio's Messages API on %s; inbound webhooks go to %s", standin.url, standin.webhook_url)
    with contextlib.suppress(KeyboardInterrupt):
        standin.server.serve_forever()


if __name__ == "__main__":
    main()
