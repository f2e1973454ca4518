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


def channel_layers_reset() -> None:
    """Start over with new channel layers: a channels_redis layer keeps locks bound to the loop
    that first used it. What the old ones opened on the process's event-sending loop is closed,
    or every reset would leave its Redis connections behind."""
    from channels.layers import channel_layers

    from inbox import event_loop

    finished = list(channel_layers.backends.values())
    channel_layers.backends.clear()
    for layer in finished:
        opened = getattr(layer, "_layers", {}).get(event_loop._loop)
        if opened is not None:
            event_loop.event_loop_run(opened.flush(), timeout=5)


def run_async(scenario, *args):
    """Run an async scenario on a fresh event loop in its own thread.

    Playwright's sync API (browser tests, same worker) keeps an event loop in the main
    thread, where asgiref's async_to_sync refuses to run.
    """
    channel_layers_reset()
    try:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, scenario(*args)).result()
    finally:
        channel_layers_reset()
