from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Channels"

    def ready(self):
        # Importing the sender modules registers them in channels_app.senders.SENDERS.
        from channels_app.email import outbound  # noqa: F401
        from channels_app.widget import sender  # noqa: F401
