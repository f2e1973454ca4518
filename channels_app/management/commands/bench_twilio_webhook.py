"""Measure how fast the inbound WhatsApp/SMS webhook answers: signed requests against a running server.

    python manage.py bench_twilio_webhook --url http://127.0.0.1:8101 --requests 500

Each request is a new, correctly signed message (signed for PUBLIC_BASE_URL, as Twilio would);
one in ten is a retry of an earlier MessageSid. Prints p50/p95/p99 of the time to the answer.
"""

import secrets
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from twilio.request_validator import RequestValidator


class Command(BaseCommand):
    help = "Send signed Twilio webhooks to a running server and report the answer latency."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="where the server listens, e.g. http://127.0.0.1:8101")
        parser.add_argument("--requests", type=int, default=500, dest="count")
        parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
        parser.add_argument("--senders", type=int, default=20, help="distinct customer numbers")

    def handle(self, *args, url: str, count: int, concurrency: int, senders: int, **options):
        path = reverse("twilio:inbound")
        signed_for = settings.PUBLIC_BASE_URL + path
        validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
        session_local = threading.local()
        run = secrets.token_hex(3)
        sids: list[str] = []

        def payload(i: int) -> dict:
            if i % 10 == 9 and sids:
                sid = sids[i // 2 % len(sids)]  # a Twilio retry
            else:
                sid = f"SM{run}{i:026x}"
                sids.append(sid)
            channel_prefix = "whatsapp:" if i % 2 else ""
            ours = settings.TWILIO_WHATSAPP_FROM if channel_prefix else settings.TWILIO_SMS_FROM
            return {
                "MessageSid": sid,
                "AccountSid": settings.TWILIO_ACCOUNT_SID,
                "From": f"{channel_prefix}+1555900{i % senders:04d}",
                "To": f"{channel_prefix}{ours}",
                "Body": f"Benchmark message {i}",
                "NumMedia": "0",
            }

        def send(i: int) -> tuple[float, int]:
            session = getattr(session_local, "session", None)
            if session is None:
                session = session_local.session = requests.Session()
            params = payload(i)
            headers = {"X-Twilio-Signature": validator.compute_signature(signed_for, params)}
            started = time.perf_counter()
            response = session.post(url.rstrip("/") + path, data=params, headers=headers, timeout=15)
            return (time.perf_counter() - started) * 1000, response.status_code

        send(0)  # warm up connections and code paths
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            started = time.perf_counter()
            results = list(pool.map(send, range(1, count + 1)))
            elapsed = time.perf_counter() - started
        failures = [status for _, status in results if status != 200]
        if failures:
            raise CommandError(f"{len(failures)} requests failed, e.g. HTTP {failures[0]} (PUBLIC_BASE_URL/token?)")
        times = sorted(ms for ms, _ in results)
        q = statistics.quantiles(times, n=100)
        self.stdout.write(
            f"{count} signed webhooks, concurrency {concurrency}, {count / elapsed:.0f} req/s\n"
            f"p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms  max {times[-1]:.1f} ms"
        )
