"""ws/copilot/: streams a draft reply into the agent's composer, token by token.

Client sends {"action": "draft", "conversation_id": N} and receives {"type": "token", "text"}
messages, then {"type": "done", "citations": [{n, article_id, title, url, inline}], "finish_reason"}
or {"type": "error", "reason"}. ``inline`` is False for a source the draft has no [n] marker for
(agents/copilot.py draft_citations). {"action": "typing", "conversation_id": N} tells the AI agent a
human is writing (it then sends nothing). Agents only; the conversation must exist.
"""

import asyncio
import threading

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from agents.agent import ai_human_typing_mark
from agents.copilot import Draft, copilot_draft_stream
from agents.llm import LLMError
from agents.status import ai_status
from inbox.access import conversations_visible_q, is_agent
from inbox.models import Conversation

_DONE = object()


class CopilotConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        self.user = user
        self.drafting = False
        self.cancel = threading.Event()
        await self.accept()

    async def disconnect(self, code):
        # Stop paying for tokens nobody will read: the producer thread closes the model's stream.
        if hasattr(self, "cancel"):
            self.cancel.set()
        task = getattr(self, "stream_task", None)
        if task is not None and not task.done():
            task.cancel()

    async def receive_json(self, content, **kwargs):
        conversation_id = content.get("conversation_id")
        conversation = await _conversation(self.user, conversation_id) if isinstance(conversation_id, int) else None
        if conversation is None:
            await self.send_json({"type": "error", "reason": "no such conversation"})
            return
        action = content.get("action")
        if action == "typing":
            await database_sync_to_async(ai_human_typing_mark)(conversation=conversation)
        elif action == "draft":
            await self._draft(conversation)
        else:
            await self.send_json({"type": "error", "reason": "unknown action"})

    async def _draft(self, conversation: Conversation) -> None:
        if self.drafting:
            await self.send_json({"type": "error", "reason": "a draft is already being written"})
            return
        status = await database_sync_to_async(ai_status)()
        if not status["ready"]:
            await self.send_json({"type": "error", "reason": status["message"]})
            return
        self.drafting = True
        # In the background, so this consumer still hears "typing" and the socket closing meanwhile.
        self.stream_task = asyncio.ensure_future(self._stream(conversation))

    async def _stream(self, conversation: Conversation) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        draft = Draft()

        cancel = self.cancel = threading.Event()

        def put(item) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the socket's event loop is gone
                cancel.set()

        def produce():
            try:
                for piece in copilot_draft_stream(conversation=conversation, draft=draft):
                    if cancel.is_set():
                        break  # closes the model's stream; the call is recorded as cancelled
                    put(piece)
            except LLMError as exc:
                put(exc)
            finally:
                put(_DONE)

        worker = asyncio.ensure_future(database_sync_to_async(produce, thread_sensitive=False)())
        try:
            await self._relay(conversation, queue, draft, worker)
        finally:
            self.drafting = False

    async def _relay(self, conversation, queue, draft, worker) -> None:
        await self.send_json({"type": "start", "conversation_id": conversation.pk})
        failed = False
        while (item := await queue.get()) is not _DONE:
            if isinstance(item, LLMError):
                failed = True
                await self.send_json({"type": "error", "reason": f"The AI model did not answer: {item}"[:300]})
            else:
                await self.send_json({"type": "token", "text": item})
        await worker
        if not failed:
            await self.send_json(
                {"type": "done", "citations": draft.citations, "finish_reason": draft.stream.finish_reason}
            )


@database_sync_to_async
def _conversation(user, conversation_id: int) -> Conversation | None:
    """The conversation if it exists and ``user`` may see it (inbox/access.py)."""
    visible = Conversation.objects.filter(conversations_visible_q(user))
    return visible.select_related("customer").filter(pk=conversation_id).first()
