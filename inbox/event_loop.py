"""One long-lived asyncio loop per process for sending realtime events from sync code.

``async_to_sync`` outside an ASGI server makes a new loop per call, and channels-redis opens
(and closes) its connection pool per loop: every event from a Celery task paid for a Redis
connection, about ten times the cost of the send. Sending on one loop that lives in its own
thread keeps one pool per process.
"""

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_owner_pid = 0


def _running_loop() -> asyncio.AbstractEventLoop:
    global _loop, _owner_pid
    with _lock:
        # A forked child (Celery's prefork pool) inherits the loop but not the thread running it.
        if _loop is None or _owner_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="realtime-events", daemon=True).start()
            _loop, _owner_pid = loop, os.getpid()
        return _loop


def event_loop_run(coroutine: Coroutine[Any, Any, Any], *, timeout: float) -> Any:
    """Run ``coroutine`` on the process's event loop and wait at most ``timeout`` seconds for it."""
    future = asyncio.run_coroutine_threadsafe(coroutine, _running_loop())
    try:
        return future.result(timeout)
    except TimeoutError:
        future.cancel()
        raise
