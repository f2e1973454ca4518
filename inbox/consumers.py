from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from inbox.access import is_agent
from inbox.events import INBOX_GROUP, agent_group, conversation_group
from inbox.models import Conversation


class InboxConsumer(AsyncJsonWebsocketConsumer):
    """An agent's browser: inbox-wide events, their own, and the conversation they watch."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        self.groups_joined = [INBOX_GROUP, agent_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.watching: str | None = None
        await self.accept()

    async def disconnect(self, code):
        for group in [*getattr(self, "groups_joined", []), getattr(self, "watching", None)]:
            if group:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("action") == "watch":
            await self._watch(content.get("conversation_id"))
        else:
            await self.send_json({"type": "error", "reason": "unknown action"})

    async def _watch(self, conversation_id) -> None:
        if not isinstance(conversation_id, int) or not await _conversation_exists(conversation_id):
            await self.send_json({"type": "error", "reason": "no such conversation"})
            return
        if self.watching:
            await self.channel_layer.group_discard(self.watching, self.channel_name)
        self.watching = conversation_group(conversation_id)
        await self.channel_layer.group_add(self.watching, self.channel_name)
        await self.send_json({"type": "watching", "conversation_id": conversation_id})

    async def inbox_event(self, message):
        await self.send_json(message["event"])


@database_sync_to_async
def _conversation_exists(conversation_id: int) -> bool:
    return Conversation.objects.filter(pk=conversation_id).exists()
