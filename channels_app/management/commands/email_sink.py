from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from channels_app.email.smtp import idle_forever, sink_controller, smtp_serve


class Command(BaseCommand):
    help = "Demo only: an SMTP server that keeps outgoing mail as files (the simulated customers' mailboxes)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.EMAIL_HOST)
        parser.add_argument("--port", type=int, default=settings.EMAIL_PORT)
        parser.add_argument("--directory", default=str(settings.EMAIL_SINK_DIR))

    def handle(self, *args, host: str, port: int, directory: str, **options):
        if not settings.DEBUG:
            # Under a process manager that stops everything when one process exits: idle instead.
            self.stderr.write("email_sink is a demo aid and does not run with DEBUG off")
            idle_forever()
        smtp_serve(
            sink_controller(host=host, port=port, directory=Path(directory)),
            address=f"{host}:{port}",
            listening=f"Demo mail sink on smtp://{host}:{port}, keeping mail in {directory}",
            stdout=self.stdout,
            stderr=self.stderr,
        )
