"""The widget's socket: one anonymous (or identified) visitor, their one conversation.

Protocol (JSON). The first frame must be ``hello``; nothing else is accepted before it.
  -> {"action": "hello", "token": str|null, "identity": {"email", "name", "hash"}|null}
  <- {"type": "session", "token", "conversation_id", "messages": [...], "available": bool, "identified": bool|null}
  -> {"action": "send", "text", "client_id"}        <- {"type": "sent", "client_id", "message"}
  -> {"action": "typing", "typing": bool}           <- {"type": "typing", "typing": bool}  (an agent)
  -> {"action": "received"|"seen", "message_ids"}   marks our replies delivered / read
  -> {"action": "offline_email", "email"}           <- {"type": "offline_email", "status", "email"}
  -> {"action": "rate", "survey", "rating", "comment"?}  <- {"type": "rated", "survey", "rating"}  (once per survey)
  -> {"action": "ping"}                             keeps presence (agent replies come here, not by email)
  <- {"type": "message", "message"}                 a new message in this conversation (agent, AI, other tab)
  <- {"type": "error", "reason"}
"""

import time
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError

from channels_app.widget import services
from channels_app.widget.availability import chat_available
from channels_app.widget.tokens import visitor_token_issue, visitor_token_read
from inbox.models import Message

CLOSE_FORBIDDEN = 4403
RATE_MESSAGES, RATE_SECONDS = 10, 10.0  # at most 10 messages per 10 s per socket


class WidgetConsumer(AsyncJsonWebsocketConsumer):
    visitor_id: str | None = None
    conversation_id: int | None = None
    group: str | None = None
    typing: bool = False

    async def connect(self):
        self.recent: deque[float] = deque(maxlen=RATE_MESSAGES)
        if not _origin_allowed(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()

    async def disconnect(self, code):
        if self.conversation_id:
            await database_sync_to_async(services.visitor_presence_touch)(
                conversation_id=self.conversation_id, present=False
            )
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        action = content.get("action") if isinstance(content, dict) else None
        if action == "hello":
            await self._hello(content)
            return
        if self.visitor_id is None:
            await self.send_json({"type": "error", "reason": "say hello first"})
            return
        handler = {
            "send": self._send_message,
            "typing": self._typing,
            "received": self._mark,
            "seen": self._mark,
            "offline_email": self._offline_email,
            "rate": self._rate,
            "ping": self._ping,
        }.get(action)
        if handler is None:
            await self.send_json({"type": "error", "reason": "unknown action"})
            return
        await handler(content)

    async def _hello(self, content):
        token = content.get("token")
        if token:
            visitor_id = visitor_token_read(token)
            if visitor_id is None:
                await self.send_json({"type": "error", "reason": "invalid token"})
                await self.close(code=CLOSE_FORBIDDEN)
                return
        else:
            token, visitor_id = visitor_token_issue()
        self.visitor_id = visitor_id
        identified = None
        identity = content.get("identity")
        if isinstance(identity, dict) and identity.get("email"):
            identified = await _identify(visitor_id, identity)
        session = await _session(visitor_id)
        await self._follow(session["conversation_id"])
        await self.send_json({"type": "session", "token": token, "identified": identified, **session})

    async def _follow(self, conversation_id: int | None) -> None:
        """Listen to this visitor's conversation (and only it)."""
        if conversation_id is None or conversation_id == self.conversation_id:
            if conversation_id:
                await self._ping({})
            return
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        self.conversation_id = conversation_id
        self.group = services.widget_group(conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self._ping({})

    async def _send_message(self, content):
        now = time.monotonic()
        if len(self.recent) == RATE_MESSAGES and now - self.recent[0] < RATE_SECONDS:
            reason = "You're sending messages too fast; wait a moment"
            await self.send_json({"type": "error", "reason": reason, "client_id": content.get("client_id")})
            return
        self.recent.append(now)
        try:
            message = await _receive(self.visitor_id, content.get("text"), content.get("client_id"))
        except ValidationError as exc:
            await self.send_json({"type": "error", "reason": exc.messages[0], "client_id": content.get("client_id")})
            return
        await self._follow(message["conversation_id"])
        await self.send_json({"type": "sent", "client_id": content.get("client_id"), "message": message["payload"]})

    async def _typing(self, content):
        typing = bool(content.get("typing"))
        if self.conversation_id and typing != self.typing:  # only changes reach the agents
            self.typing = typing
            await database_sync_to_async(services.widget_typing)(
                conversation_id=self.conversation_id, who="visitor", typing=typing
            )

    async def _mark(self, content):
        if not self.conversation_id or not isinstance(content.get("message_ids"), list):
            return
        status = Message.Delivery.READ if content["action"] == "seen" else Message.Delivery.DELIVERED
        await database_sync_to_async(services.chat_delivery_mark)(
            conversation_id=self.conversation_id, message_ids=content["message_ids"], status=status
        )

    async def _rate(self, content):
        """A satisfaction rating from the buttons under the survey question."""
        rating, survey_id = content.get("rating"), content.get("survey")
        if not self.conversation_id or not isinstance(rating, int) or not isinstance(survey_id, int):
            await self.send_json({"type": "error", "reason": "Choose a rating from 1 to 5"})
            return
        try:
            survey = await database_sync_to_async(services.widget_csat_rate)(
                conversation_id=self.conversation_id,
                survey_id=survey_id,
                rating=rating,
                comment=str(content.get("comment") or "")[:2000],
            )
        except ValidationError as exc:
            await self.send_json({"type": "error", "reason": exc.messages[0]})
            return
        await self.send_json({"type": "rated", "survey": survey.pk, "rating": survey.rating})

    async def _offline_email(self, content):
        try:
            result = await database_sync_to_async(services.widget_offline_email_set)(
                visitor_id=self.visitor_id, email=str(content.get("email") or "")
            )
        except ValidationError:
            await self.send_json({"type": "error", "reason": "That email address does not look right"})
            return
        await self.send_json({"type": "offline_email", "status": result.status, "email": result.email})

    async def _ping(self, content):
        if self.conversation_id:
            await database_sync_to_async(services.visitor_presence_touch)(
                conversation_id=self.conversation_id, present=True
            )

    async def inbox_event(self, message):
        """Events published to this visitor's widget group; ids only, content read from the database."""
        event = message["event"]
        if event.get("conversation_id") != self.conversation_id:
            return
        if event.get("type") == "typing":
            await self.send_json({"type": "typing", "typing": event.get("op") == "start"})
        elif event.get("type") == "message":
            payload = await _message_payload(self.conversation_id, event.get("message_id"))
            if payload:
                await self.send_json({"type": "message", "message": payload})


def _origin_allowed(scope) -> bool:
    allowed = settings.WIDGET_ALLOWED_ORIGINS
    if "*" in allowed:
        return True
    origin = dict(scope.get("headers", [])).get(b"origin", b"").decode("latin-1")
    return origin in allowed


@database_sync_to_async
def _identify(visitor_id: str, identity: dict) -> bool:
    try:
        return services.widget_identify(
            visitor_id=visitor_id,
            email=str(identity.get("email", "")),
            name=str(identity.get("name", ""))[:200],
            signature=str(identity.get("hash", "")),
        )
    except ValidationError:
        return False


@database_sync_to_async
def _session(visitor_id: str) -> dict:
    conversation = services.widget_conversation(visitor_id=visitor_id)
    return {
        "conversation_id": conversation.pk if conversation else None,
        "messages": services.widget_history(conversation=conversation),
        "available": chat_available(),
    }


@database_sync_to_async
def _receive(visitor_id: str, text, client_id) -> dict:
    message = services.widget_message_receive(visitor_id=visitor_id, text=str(text or ""), client_id=client_id)
    return {"conversation_id": message.conversation_id, "payload": services.widget_message_payload(message)}


@database_sync_to_async
def _message_payload(conversation_id: int, message_id) -> dict | None:
    message = (
        services.widget_visible_messages(Message.objects.filter(pk=message_id, conversation_id=conversation_id))
        .select_related("author")
        .first()
    )
    return services.widget_message_payload(message) if message else None
