from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Channels"

    def ready(self) -> None:
        # Register the senders and make the tasks known to Celery (they are not in tasks.py).
        from channels_app import delivery  # noqa: F401
        from channels_app.twilio import senders, tasks  # noqa: F401
