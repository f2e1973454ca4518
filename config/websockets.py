"""Websocket URL map (Channels calls this "routing"; the hybrid routing rules live elsewhere)."""

from django.urls import path

from inbox.consumers import InboxConsumer

websocket_urlpatterns = [
    path("ws/inbox/", InboxConsumer.as_asgi()),
]

from agents.consumers import CopilotConsumer  # noqa: E402

websocket_urlpatterns += [path("ws/copilot/", CopilotConsumer.as_asgi())]
