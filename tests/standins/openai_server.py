"""A local stand-in for OpenAI's HTTP API with scripted answers (a test fixture, no product logic).

Speaks enough of the protocol for the real `openai` SDK: /v1/chat/completions (plain, streamed
SSE, and response_format json_schema), /v1/embeddings, /v1/models. Tests script answers:

    standin.script(content="Hello [1]", match="refund")     # first request whose messages contain "refund"
    standin.script(json={"intent": "billing", ...})         # structured output
    standin.script(status=500) / standin.script(delay=5)    # outages and timeouts
    standin.script(content="...", before=callback)          # run code while the "model" is generating

Unmatched chat requests get HTTP 500 "no scripted answer", so a missing script is loud.
"""

import hashlib
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    content: str | None = None
    json: dict | None = None
    match: str = ""
    status: int = 0
    delay: float = 0.0
    chunk_delay: float = 0.0
    chunks: list[str] | None = None
    finish_reason: str = "stop"
    before: object = None
    times: int = 1  # 0 = every time

    def text(self) -> str:
        return json.dumps(self.json) if self.json is not None else (self.content or "")


@dataclass
class OpenAIStandin:
    url: str = ""
    scripts: list[Script] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, **kwargs) -> Script:
        item = Script(**kwargs)
        with self.lock:
            self.scripts.append(item)
        return item

    def reset(self) -> None:
        with self.lock:
            self.scripts.clear()
            self.requests.clear()

    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def take(self, body: dict) -> Script | None:
        haystack = json.dumps(body.get("messages", []), ensure_ascii=False)
        with self.lock:
            for item in self.scripts:
                if item.match in haystack:
                    if item.times == 1:
                        self.scripts.remove(item)
                    elif item.times > 1:
                        item.times -= 1
                    return item
        return None


def embedding(text: str, dims: int) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words are close."""
    vector = [0.0] * dims
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dims] += 1.0  # noqa: S324 - not security
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def make_handler(standin: OpenAIStandin):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [{"id": "standin-chat", "object": "model"}]})
            else:
                self._json(404, {"error": {"message": "not found"}})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            with standin.lock:
                standin.requests.append({"path": self.path, "body": body})
            if self.path.endswith("/embeddings"):
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                dims = body.get("dimensions") or 384
                data = [
                    {"object": "embedding", "index": i, "embedding": embedding(t, dims)} for i, t in enumerate(inputs)
                ]
                tokens = sum(len(t.split()) for t in inputs)
                self._json(200, {"object": "list", "data": data, "model": body["model"],
                                 "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})  # fmt: skip
                return
            if not self.path.endswith("/chat/completions"):
                self._json(404, {"error": {"message": "not found"}})
                return
            item = standin.take(body)
            if item is None:
                self._json(500, {"error": {"message": "no scripted answer", "type": "server_error"}})
                return
            if callable(item.before):
                item.before()
            if item.delay:
                time.sleep(item.delay)
            if item.status:
                self._json(item.status, {"error": {"message": f"scripted {item.status}", "type": "server_error"}})
                return
            if body.get("stream"):
                self._stream(body, item)
            else:
                self._complete(body, item)

        def _complete(self, body, item):
            text = item.text()
            self._json(200, {
                "id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": item.finish_reason}],
                "usage": {"prompt_tokens": 11, "completion_tokens": len(text.split()),
                          "total_tokens": 11 + len(text.split())},
            })  # fmt: skip

        def _stream(self, body, item):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            pieces = item.chunks if item.chunks is not None else re.findall(r"\S+\s*", item.text())

            def event(delta: dict, finish=None, usage=None):
                choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
                chunk = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": body["model"], "choices": choices}  # fmt: skip
                if usage:
                    chunk["usage"] = usage
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            event({"role": "assistant", "content": ""})
            for piece in pieces:
                if item.chunk_delay:
                    time.sleep(item.chunk_delay)
                event({"content": piece})
            event({}, finish=item.finish_reason)
            if (body.get("stream_options") or {}).get("include_usage"):
                event(
                    {}, usage={"prompt_tokens": 11, "completion_tokens": len(pieces), "total_tokens": 11 + len(pieces)}
                )
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that timed out and hung up is expected (timeout tests)


def standin_start() -> tuple[OpenAIStandin, ThreadingHTTPServer]:
    standin = OpenAIStandin()
    server = _Server(("127.0.0.1", 0), make_handler(standin))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    standin.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    return standin, server
