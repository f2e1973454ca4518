import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from inbox import events


@contextlib.contextmanager
def capture_events():
    """Record what ``event_publish`` dispatches (after commit) instead of sending it.

    Yields a list of ``(groups, event)`` pairs.
    """
    sent: list[tuple[tuple[str, ...], dict]] = []
    with mock.patch.object(events, "_dispatch", side_effect=lambda groups, event, **_: sent.append((groups, event))):
        yield sent


def run_async(scenario, *args):
    """Run an async scenario on a fresh event loop in its own thread.

    Playwright's sync API (browser tests, same worker) keeps an event loop in the main
    thread, where asgiref's async_to_sync refuses to run.
    """
    from channels.layers import channel_layers

    # A channels_redis layer keeps locks bound to the loop that first used it: start fresh.
    channel_layers.backends.clear()
    try:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, scenario(*args)).result()
    finally:
        channel_layers.backends.clear()
