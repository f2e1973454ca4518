"""Websocket URL map (Channels calls this "routing"; the hybrid routing rules live elsewhere)."""

from django.urls import path

from channels_app.widget.consumers import WidgetConsumer
from inbox.consumers import InboxConsumer

websocket_urlpatterns = [
    path("ws/inbox/", InboxConsumer.as_asgi()),
]

# Sockets any website may open (the embeddable chat widget): outside the agents' origin check;
# WidgetConsumer checks WIDGET_ALLOWED_ORIGINS itself.
public_websocket_urlpatterns = [
    path("ws/widget/", WidgetConsumer.as_asgi()),
]
from agents.consumers import CopilotConsumer  # noqa: E402

websocket_urlpatterns += [path("ws/copilot/", CopilotConsumer.as_asgi())]
