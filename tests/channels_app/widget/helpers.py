import asyncio
import threading

from channels.testing import WebsocketCommunicator

from config.asgi import application


def run_async(scenario) -> None:
    """Run an async test body on its own event loop in a fresh thread.

    Playwright's sync API leaves a running loop in the main thread of a worker that already ran
    a browser test, where async_to_sync refuses to work. Use with transactional_db: the thread's
    database connection must see committed data.
    """
    failure: list[BaseException] = []

    def target():
        try:
            asyncio.run(scenario())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if failure:
        raise failure[0]


async def widget_connect(token: str | None = None, identity: dict | None = None, origin: bytes = b"http://localhost"):
    """A widget socket that has said hello; returns (communicator, session frame)."""
    communicator = WebsocketCommunicator(application, "/ws/widget/", headers=[(b"origin", origin)])
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"action": "hello", "token": token, "identity": identity})
    return communicator, await communicator.receive_json_from(timeout=5)


async def receive_type(communicator, kind: str, timeout: float = 5) -> dict:
    """The next frame of ``kind``, skipping others."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame.get("type") == kind:
            return frame
