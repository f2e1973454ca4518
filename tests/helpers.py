import contextlib
from unittest import mock

from inbox import events


@contextlib.contextmanager
def capture_events():
    """Record what ``event_publish`` dispatches (after commit) instead of sending it.

    Yields a list of ``(groups, event)`` pairs.
    """
    sent: list[tuple[tuple[str, ...], dict]] = []
    with mock.patch.object(events, "_dispatch", side_effect=lambda groups, event: sent.append((groups, event))):
        yield sent
