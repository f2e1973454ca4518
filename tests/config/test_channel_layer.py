import asyncio

import pytest
from channels.layers import get_channel_layer

from tests.helpers import run_async


async def _idle_receive(seconds: float) -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    with pytest.raises(TimeoutError) as waited:
        await asyncio.wait_for(layer.receive(channel), seconds)
    # Our own wait ran out, not redis-py's read (redis.exceptions.TimeoutError closed the socket).
    assert type(waited.value) is TimeoutError


def test_an_idle_websocket_outlasts_the_redis_read_timeout():
    """redis-py 8 gives up on a read after 5 s; before, every idle websocket was dropped then."""
    run_async(_idle_receive, 7)
