from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from inbox.access import Viewer, can_see_conversation, is_agent, viewer, viewer_forget
from inbox.events import INBOX_GROUP, agent_group, audience_admits, conversation_group
from inbox.models import AgentProfile, Conversation
from inbox.services.agents import agent_presence_set, agent_seen, agent_typing

SOCKETS_TTL = 24 * 3600


class InboxConsumer(AsyncJsonWebsocketConsumer):
    """An agent's browser: inbox-wide events, their own, and the conversation they watch.

    Client actions: ``watch`` {conversation_id}, ``typing`` {conversation_id, state: start|stop},
    ``presence`` {presence: online|away|offline}, ``heartbeat``. The connection itself marks the
    agent online; closing their last socket marks them offline.

    Only events about conversations the agent may see are delivered (the event's audience,
    checked against the agent's role and teams read at connect and refreshed on each heartbeat).
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        self.user = user
        self.viewer = await _viewer_fresh(user)
        self.groups_joined = [INBOX_GROUP, agent_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.watching: str | None = None
        self.watching_id: int | None = None
        self.typing_in: int | None = None
        await self.accept()
        await database_sync_to_async(_socket_opened)(user)

    async def disconnect(self, code):
        for group in [*getattr(self, "groups_joined", []), getattr(self, "watching", None)]:
            if group:
                await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "user", None) is not None:
            if self.typing_in:
                await self._typing(self.typing_in, "stop")
            await database_sync_to_async(_socket_closed)(self.user)

    async def receive_json(self, content, **kwargs):
        action = content.get("action") if isinstance(content, dict) else None
        if action == "watch":
            await self._watch(content.get("conversation_id"))
        elif action == "typing":
            await self._typing(content.get("conversation_id"), content.get("state"))
        elif action == "presence":
            await self._presence(content.get("presence"))
        elif action == "heartbeat":
            await database_sync_to_async(agent_seen)(user=self.user)
            self.viewer = await _viewer_fresh(self.user)  # teams may have changed
        else:
            await self.send_json({"type": "error", "reason": "unknown action"})

    async def _watch(self, conversation_id) -> None:
        if not isinstance(conversation_id, int) or not await _conversation_exists(conversation_id):
            await self.send_json({"type": "error", "reason": "no such conversation"})
            return
        if not await _conversation_visible(self.user, conversation_id):
            await self.send_json({"type": "error", "reason": "this conversation belongs to another team's queue"})
            return
        if self.typing_in and self.typing_in != conversation_id:
            await self._typing(self.typing_in, "stop")
        if self.watching:
            await self.channel_layer.group_discard(self.watching, self.channel_name)
        self.watching = conversation_group(conversation_id)
        self.watching_id = conversation_id
        await self.channel_layer.group_add(self.watching, self.channel_name)
        await self.send_json({"type": "watching", "conversation_id": conversation_id})

    async def _typing(self, conversation_id, state) -> None:
        if not isinstance(conversation_id, int) or state not in ("start", "stop"):
            await self.send_json({"type": "error", "reason": "typing needs conversation_id and start|stop"})
            return
        try:
            await database_sync_to_async(_typing_publish)(self.user, conversation_id, state)
        except (Conversation.DoesNotExist, ValidationError):
            await self.send_json({"type": "error", "reason": "no such conversation"})
            return
        except PermissionDenied:
            await self.send_json({"type": "error", "reason": "this conversation belongs to another team's queue"})
            return
        self.typing_in = conversation_id if state == "start" else None

    async def _presence(self, presence) -> None:
        try:
            await database_sync_to_async(agent_presence_set)(user=self.user, presence=presence)
        except (ValidationError, AgentProfile.DoesNotExist):
            await self.send_json({"type": "error", "reason": "presence is online, away or offline"})

    async def inbox_event(self, message):
        if not audience_admits(self.viewer, message.get("audience")):
            return
        await self.send_json(message["event"])


@database_sync_to_async
def _conversation_exists(conversation_id: int) -> bool:
    return Conversation.objects.filter(pk=conversation_id).exists()


@database_sync_to_async
def _conversation_visible(user, conversation_id: int) -> bool:
    conversation = Conversation.objects.only("team_id", "assignee_id").get(pk=conversation_id)
    return can_see_conversation(user, conversation)


@database_sync_to_async
def _viewer_fresh(user) -> Viewer:
    viewer_forget(user)
    return viewer(user)


def _typing_publish(user, conversation_id: int, state: str) -> None:
    agent_typing(user=user, conversation=Conversation.objects.get(pk=conversation_id), state=state)


def _sockets_key(user) -> str:
    return f"inbox:sockets:{user.pk}"


def _socket_opened(user) -> None:
    """Count the agent's open sockets (tabs); an open socket brings an offline agent online.

    Not only the first by the count: a web process killed with sockets open (a deploy, a crash)
    never ran their disconnects, and with a count left above zero the agent opening the inbox
    next morning stayed offline (or away) while working.
    """
    key = _sockets_key(user)
    cache.add(key, 0, SOCKETS_TTL)
    cache.incr(key)
    profile = AgentProfile.objects.filter(user=user).first()
    if profile and profile.presence == AgentProfile.Presence.OFFLINE:
        agent_presence_set(user=user, presence=AgentProfile.Presence.ONLINE)
    agent_seen(user=user)


def _socket_closed(user) -> None:
    key = _sockets_key(user)
    try:
        left = cache.decr(key)
    except ValueError:
        left = 0
    if left <= 0:
        cache.delete(key)
        if AgentProfile.objects.filter(user=user).exists():
            agent_presence_set(user=user, presence=AgentProfile.Presence.OFFLINE)
