import asyncio
import threading

import pytest
from channels.layers import get_channel_layer

from inbox.event_loop import event_loop_run
from inbox.models import Channel
from inbox.services import message_receive


async def _where() -> tuple[asyncio.AbstractEventLoop, str]:
    return asyncio.get_running_loop(), threading.current_thread().name


def test_sync_code_sends_on_one_loop_that_outlives_each_call():
    first, thread = event_loop_run(_where(), timeout=5)
    second, _ = event_loop_run(_where(), timeout=5)
    assert first is second and first.is_running()
    assert thread != threading.current_thread().name


def test_a_send_that_hangs_gives_up_after_its_timeout():
    with pytest.raises(TimeoutError):
        event_loop_run(asyncio.sleep(30), timeout=0.2)
    assert event_loop_run(_where(), timeout=5)[0].is_running(), "the loop survives a cancelled send"


@pytest.mark.django_db(transaction=True)
def test_events_from_sync_code_reuse_one_redis_pool(monkeypatch):
    """Each event used to open (and close) a connection pool: a new loop per async_to_sync call."""
    layer = get_channel_layer()
    pools = []
    create_pool = layer.create_pool
    monkeypatch.setattr(layer, "create_pool", lambda index: pools.append(index) or create_pool(index))

    for i in range(20):
        message_receive(channel=Channel.SMS, address="+15551230000", text=f"message {i}")

    assert len(pools) == 1
