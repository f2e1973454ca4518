"""Inbound media: fetched with the account's basic auth, within size and type limits, shown to agents only."""

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from channels_app.twilio.media import attachment_download
from inbox.models import Attachment
from tests.channels_app.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN
from tests.factories import AgentFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"x" * 2000
EXPECTED_AUTH = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


class MediaServer:
    """A tiny HTTP server standing in for Twilio's media URLs; records the auth it saw."""

    def __init__(self):
        self.files: dict[str, tuple[str, bytes, bool]] = {}  # path -> (type, body, send Content-Length)
        self.auth_seen: list[str] = []
        media = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                media.auth_seen.append(self.headers.get("Authorization", ""))
                if self.headers.get("Authorization") != EXPECTED_AUTH:
                    self.send_response(401)
                    self.end_headers()
                    return
                content_type, body, with_length = media.files[self.path]
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                if with_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def media_server(twilio_settings, settings, tmp_path):
    server = MediaServer()
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{server.server.server_address[1]}"
    settings.MEDIA_ROOT = tmp_path
    settings.TWILIO_MEDIA_MAX_BYTES = 10_000
    yield server
    server.server.shutdown()
    server.server.server_close()


def pending(url, content_type="image/jpeg"):
    message = MessageFactory(channel="whatsapp")
    return Attachment.objects.create(
        message=message, filename="media-0", content_type=content_type, source_url=url, state=Attachment.State.PENDING
    )


def test_media_is_downloaded_with_the_account_credentials_and_stored(media_server):
    media_server.files["/ME1"] = ("image/jpeg", JPEG, True)
    attachment = attachment_download(attachment_id=pending(media_server.url("/ME1")).pk)
    assert media_server.auth_seen == [EXPECTED_AUTH]
    assert attachment.state == Attachment.State.STORED
    assert attachment.size == len(JPEG) and attachment.filename == "media-0.jpg"
    assert attachment.file.read() == JPEG


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "streamed"])
def test_oversize_media_fails_visibly_without_keeping_the_bytes(media_server, announced):
    media_server.files["/big"] = ("image/jpeg", b"x" * 20_000, announced)
    attachment = attachment_download(attachment_id=pending(media_server.url("/big")).pk)
    assert attachment.state == Attachment.State.FAILED
    assert "too large" in attachment.error and "limit is" in attachment.error
    assert not attachment.file


def test_a_forbidden_type_fails_visibly_even_when_twilio_declared_another(media_server):
    media_server.files["/page"] = ("text/html", b"<script>alert(1)</script>", True)
    attachment = attachment_download(attachment_id=pending(media_server.url("/page")).pk)
    assert attachment.state == Attachment.State.FAILED
    assert attachment.error == "Files of type text/html are not accepted"

    declared = pending(media_server.url("/page"), content_type="application/x-msdownload")
    refused = attachment_download(attachment_id=declared.pk)
    assert refused.error == "Files of type application/x-msdownload are not accepted"


def test_wrong_credentials_fail_the_attachment_not_the_worker(media_server, settings):
    media_server.files["/ME1"] = ("image/jpeg", JPEG, True)
    settings.TWILIO_AUTH_TOKEN = "rotated"
    attachment = attachment_download(attachment_id=pending(media_server.url("/ME1")).pk)
    assert attachment.state == Attachment.State.FAILED and "HTTP 401" in attachment.error


def test_credentials_are_never_sent_to_a_host_that_is_not_twilio(media_server):
    attachment = attachment_download(attachment_id=pending("http://evil.example.net/steal").pk)
    assert attachment.state == Attachment.State.FAILED and "not on Twilio" in attachment.error
    assert media_server.auth_seen == []


def test_attachments_are_served_to_agents_only(media_server, client):
    media_server.files["/ME1"] = ("image/jpeg", JPEG, True)
    attachment = attachment_download(attachment_id=pending(media_server.url("/ME1")).pk)
    url = f"/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(AgentFactory().user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Security-Policy"].startswith("sandbox")
