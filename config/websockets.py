"""Websocket URL map (Channels calls this "routing"; the hybrid routing rules live elsewhere)."""

from django.urls import path

from inbox.consumers import InboxConsumer

websocket_urlpatterns = [
    path("ws/inbox/", InboxConsumer.as_asgi()),
]
