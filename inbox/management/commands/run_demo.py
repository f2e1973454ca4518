import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from inbox.demo import ADMIN, AGENT_PASSWORD, AGENTS, DEMO_LEAD


class Command(BaseCommand):
    help = "Migrate, load the demo once, then run web, worker and beat together (what `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, port: int, host: str, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        env = {
            **os.environ,
            # Children use the servers this process holds, instead of leasing their own.
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "DEBUG": os.environ.get("DEBUG", "true"),
            "INBOX_HOST": host,
            "INBOX_PORT": str(port),
            "PYTHONUNBUFFERED": "1",
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
        }
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        url = f"http://{shown_host}:{port}/"
        # Twilio (the local stand-in) signs and posts webhooks to this address.
        env.setdefault("PUBLIC_BASE_URL", url.rstrip("/"))
        self.stdout.write(
            self.style.SUCCESS(f"\n  Support inbox: {url}\n")
            + f"  admin login:  {ADMIN[0]} / {ADMIN[2]}\n"
            + f"  agent logins: {', '.join(a[0] for a in AGENTS)} / {AGENT_PASSWORD}\n"
            + f"  team lead:    {DEMO_LEAD} (the Billing queue at {url}team/)\n"
            + f"  customer simulator: {url}simulator/  (storefront with the chat widget: {url}demo/store/)\n"
            + "  Ctrl-C stops everything (the embedded PostgreSQL and Redis too).\n"
        )
        self.stdout.flush()
        runner = subprocess.Popen(
            [sys.executable, "-m", "honcho", "-f", str(settings.BASE_DIR / "Procfile"), "start"],
            cwd=settings.BASE_DIR,
            env=env,
        )
        signal.signal(signal.SIGTERM, lambda *_: runner.send_signal(signal.SIGTERM))
        try:
            runner.wait()
        except KeyboardInterrupt:
            # honcho got the same Ctrl-C and is stopping its processes; let it finish.
            try:
                runner.wait(timeout=30)
            except subprocess.TimeoutExpired:
                runner.kill()
                runner.wait()
