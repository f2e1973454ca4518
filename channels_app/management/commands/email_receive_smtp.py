import time

from django.conf import settings
from django.core.management.base import BaseCommand

from channels_app.email.smtp import inbound_controller


class Command(BaseCommand):
    help = "Receive customer email over SMTP (point your MX or relay at it) and store it in the inbox."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.EMAIL_INBOUND_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.EMAIL_INBOUND_SMTP_PORT)

    def handle(self, *args, host: str, port: int, **options):
        controller = inbound_controller(host=host, port=port)
        try:
            controller.start()
        except (OSError, RuntimeError) as exc:
            # Stay up (a process manager would stop the whole app when one process exits) and say why.
            self.stderr.write(f"Could not listen on {host}:{port}: {exc}")
            self.stderr.flush()
            while True:
                time.sleep(3600)
        self.stdout.write(f"Receiving email on smtp://{host}:{port}", ending="\n")
        self.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
