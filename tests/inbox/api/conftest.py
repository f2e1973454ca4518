import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from inbox.api.services import integration_create
from tests.factories import AgentFactory


@pytest.fixture
def api_token(db) -> str:
    admin = AgentFactory(role="admin").user
    return integration_create(name="CRM sync", actor=admin)[1]


class ApiClient:
    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1/{path}", params, headers=self.headers)

    def post(self, path: str, data):
        body = data if isinstance(data, str) else json.dumps(data)
        return self.client.post(f"/api/v1/{path}", body, content_type="application/json", headers=self.headers)


@pytest.fixture
def api(api_token) -> ApiClient:
    return ApiClient(api_token)


class Receiver:
    """A real HTTP endpoint on localhost that records webhook requests and answers ``statuses`` in turn."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
