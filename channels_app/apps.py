from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Channels"

    def ready(self) -> None:
        # Importing the sender modules registers them in channels_app.senders.SENDERS; the
        # task modules make their tasks known to Celery (they are not all in tasks.py).
        from channels_app import delivery  # noqa: F401
        from channels_app.email import outbound  # noqa: F401
        from channels_app.twilio import senders, tasks  # noqa: F401
        from channels_app.widget import sender  # noqa: F401
