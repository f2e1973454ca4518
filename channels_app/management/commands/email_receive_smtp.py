from django.conf import settings
from django.core.management.base import BaseCommand

from channels_app.email.smtp import inbound_controller, smtp_serve


class Command(BaseCommand):
    help = "Receive customer email over SMTP (point your MX or relay at it) and store it in the inbox."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.EMAIL_INBOUND_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.EMAIL_INBOUND_SMTP_PORT)

    def handle(self, *args, host: str, port: int, **options):
        smtp_serve(
            inbound_controller(host=host, port=port),
            address=f"{host}:{port}",
            listening=f"Receiving email on smtp://{host}:{port}",
            stdout=self.stdout,
            stderr=self.stderr,
        )
