"""The real small local model behind llama.cpp's OpenAI-compatible server, through the real SDK path.

Structure only (the 135M demo model's wording is not stable): non-empty, streamed in several
chunks, a finish_reason, and structured output that parses into the classification contract.
`make test` builds/installs the server first (REQUIRE_LOCAL_MODEL=1), so it is never skipped there.
"""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from agents import localmodel
from agents.classification import message_classify
from agents.llm import StreamResult, chat_stream
from agents.models import LLMCall
from tests.factories import MessageFactory
from tests.net import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

if not (localmodel.server_installed() and localmodel.gguf_path()):
    if os.environ.get("REQUIRE_LOCAL_MODEL"):
        raise RuntimeError("the local model server is not installed: run `python -m agents.localmodel install`")
    pytest.skip("local model server not installed (make test installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def local_server():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(localmodel.gguf_path()), "--model_alias",
         "smollm2", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=1).close()  # noqa: S310
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the local model server did not start") from None
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def local_settings(settings, local_server):
    settings.OPENAI_BASE_URL = local_server
    settings.AI_CHAT_MODEL = "smollm2"
    settings.AI_RESPONSE_FORMAT = "json_object_schema"
    settings.AI_TIMEOUT_SECONDS = 120
    settings.AI_MAX_TOKENS = 48
    return settings


def test_the_local_model_streams_an_answer(local_settings):
    result = StreamResult()
    pieces = list(
        chat_stream(
            purpose="integration",
            messages=[{"role": "user", "content": "Say hello to a customer called Maya in one sentence."}],
            result=result,
        )
    )
    assert "".join(pieces).strip() and len(pieces) > 1
    assert result.finish_reason in ("stop", "length")
    call = LLMCall.objects.get(purpose="integration")
    assert call.outcome == "ok" and call.model == "smollm2" and call.completion_tokens > 0


def test_the_local_model_classifies_into_the_contract(local_settings):
    local_settings.AI_MAX_TOKENS = 120
    result = message_classify(message=MessageFactory(text="Where is my parcel? It is two days late."))
    assert "error" not in result, result
    assert set(result) == {"intent", "confidence", "sentiment", "urgency", "language"}
    assert result["sentiment"] in ("negative", "neutral", "positive") and 0 <= result["confidence"] <= 1
