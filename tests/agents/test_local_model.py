"""The real local model (Qwen2.5-Coder-1.5B in llama.cpp's server via xllamacpp) under its real
supervisor (`python -m agents.localmodel serve`, the Procfile's `llm`), through the real SDK path.

It streams, answers a grounded question from its passage, is restarted when the server dies, and
goes away with its supervisor. `make test` assembles the model first (REQUIRE_LOCAL_MODEL=1), so
it is never skipped there. Generation is ~12 tokens/s on 2 cores: every answer is kept short.
"""

import importlib.util
import os
import signal
import socket
import time

import openai
import pytest

from agents import localmodel
from agents.llm import StreamResult, chat_stream
from agents.models import LLMCall
from tests.localmodel_process import Supervisor, alive, supervisor_running

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

if not (localmodel.MODEL_FILE.is_file() and importlib.util.find_spec("xllamacpp")):
    if os.environ.get("REQUIRE_LOCAL_MODEL"):
        raise RuntimeError("the local model is not installed: run `python -m agents.localmodel install`")
    pytest.skip("local model not installed (make test installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def supervisor(tmp_path_factory):
    with supervisor_running(tmp_path_factory.mktemp("local-llm-var")) as running:
        yield running


@pytest.fixture
def local_settings(settings, supervisor):
    settings.OPENAI_BASE_URL = supervisor.url
    settings.AI_CHAT_MODEL = localmodel.MODEL_ALIAS
    settings.AI_TIMEOUT_SECONDS = 60
    settings.AI_REPLY_DEADLINE_SECONDS = 60
    settings.AI_MAX_RETRIES = 0
    settings.AI_MAX_TOKENS = 24
    return settings


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _ask(supervisor: Supervisor, question: str, *, system: str = "", max_tokens: int = 40) -> str:
    client = openai.OpenAI(base_url=supervisor.url, api_key="local-no-key", timeout=60, max_retries=0)
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]
    response = client.chat.completions.create(
        model=localmodel.MODEL_ALIAS, messages=messages, temperature=0, max_tokens=max_tokens
    )
    return response.choices[0].message.content or ""


def test_the_local_model_streams_an_answer(local_settings):
    result = StreamResult()
    pieces = list(
        chat_stream(
            purpose="integration",
            messages=[{"role": "user", "content": "Write two sentences welcoming Maya, a new customer, to our shop."}],
            result=result,
        )
    )
    assert len(pieces) >= 5 and "".join(pieces).strip() and result.text == "".join(pieces)
    assert result.finish_reason in ("stop", "length")
    call = LLMCall.objects.get(purpose="integration")
    assert call.outcome == LLMCall.Outcome.OK and call.model == localmodel.MODEL_ALIAS
    assert call.completion_tokens > 0 and call.latency_ms > 0


def test_a_grounded_spanish_question_is_answered_from_the_passage(supervisor):
    answer = _ask(
        supervisor,
        "¿Cuántos días tengo para devolver?",
        system=(
            "Responde en español, en una frase, solo con este pasaje:\n"
            "Las devoluciones se aceptan hasta 30 días después de la entrega."
        ),
    )
    assert "30" in answer, answer


def test_a_killed_server_is_restarted_by_the_supervisor(supervisor):
    before = supervisor.wait_ready()
    os.kill(before["pid"], signal.SIGKILL)

    after = supervisor.wait_ready(other_than_pid=before["pid"], timeout=60)

    assert after["restarts"] >= before["restarts"] + 1 and after["port"] == supervisor.port
    assert not alive(before["pid"]) and alive(after["pid"])
    assert "4" in _ask(supervisor, "What is 2 + 2? Answer with the number only.", max_tokens=8)


def test_stopping_the_supervisor_stops_the_server(supervisor):  # last: it ends the module's supervisor
    child = supervisor.wait_ready()["pid"]

    supervisor.proc.send_signal(signal.SIGTERM)

    assert supervisor.proc.wait(timeout=30) == 0
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:  # reaped by the supervisor before it exits
        time.sleep(0.1)
    assert not alive(child)
    assert not _listening(supervisor.port)
    assert supervisor.status()["state"] == "stopped"
