"""The Redis channel layer, tuned so an idle websocket is not dropped every few seconds."""

from channels_redis.core import RedisChannelLayer


class InboxChannelLayer(RedisChannelLayer):
    # channels-redis waits for a socket's next message with a blocking BZPOPMIN of
    # brpop_timeout seconds (5), and redis-py 8 gives up on any read after 5 s: the two raced,
    # the read timed out and every idle websocket was closed. Waiting 2 s at a time leaves
    # 3 s for a busy Redis to answer (one wait per web process, not per socket).
    brpop_timeout = 2
