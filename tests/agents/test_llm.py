import pytest

from agents.llm import LLMError, StreamResult, chat_complete, chat_stream, chat_structured, llm_client
from agents.models import LLMCall

pytestmark = pytest.mark.django_db


def test_the_client_has_explicit_timeouts_and_bounded_retries(settings):
    settings.AI_TIMEOUT_SECONDS = 12.5
    settings.AI_MAX_RETRIES = 1
    client = llm_client()
    assert client.timeout == 12.5 and client.max_retries == 1
    assert str(client.base_url).startswith(settings.OPENAI_BASE_URL)


def test_a_completion_is_returned_and_recorded(openai_standin):
    openai_standin.script(content="Hello there")
    assert (
        chat_complete(purpose="test", messages=[{"role": "user", "content": "hi"}], conversation_id=7) == "Hello there"
    )
    call = LLMCall.objects.get()
    assert (call.purpose, call.model, call.outcome, call.conversation_id) == ("test", "standin-chat", "ok", 7)
    assert call.prompt_tokens == 11 and call.completion_tokens == 2


def test_a_stream_yields_pieces_and_records_usage_when_done(openai_standin):
    openai_standin.script(chunks=["Hel", "lo ", "world"])
    result = StreamResult()
    pieces = list(chat_stream(purpose="draft", messages=[{"role": "user", "content": "hi"}], result=result))
    assert pieces == ["Hel", "lo ", "world"]
    assert (result.text, result.chunks, result.finish_reason) == ("Hello world", 3, "stop")
    assert openai_standin.chat_requests()[0]["body"]["stream"] is True
    call = LLMCall.objects.get()
    assert call.outcome == "ok" and call.completion_tokens == 3


def test_structured_output_sends_the_schema_and_parses_the_object(openai_standin):
    openai_standin.script(json={"answer": 42})
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}
    assert chat_structured(
        purpose="t", messages=[{"role": "user", "content": "?"}], schema=schema, schema_name="x"
    ) == {"answer": 42}
    sent = openai_standin.chat_requests()[0]["body"]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"] == schema


def test_garbage_instead_of_json_is_an_error(openai_standin):
    openai_standin.script(content="sure! here you go")
    with pytest.raises(LLMError):
        chat_structured(purpose="t", messages=[{"role": "user", "content": "?"}], schema={}, schema_name="x")
    assert LLMCall.objects.get().outcome == "error"


def test_a_server_error_is_raised_as_llm_error_and_recorded(openai_standin):
    openai_standin.script(status=503)
    with pytest.raises(LLMError) as failure:
        chat_complete(purpose="test", messages=[{"role": "user", "content": "hi"}])
    assert not failure.value.timeout
    call = LLMCall.objects.get()
    assert call.outcome == "error" and "503" in call.error


def test_a_slow_model_times_out_after_the_configured_time(settings, openai_standin):
    settings.AI_TIMEOUT_SECONDS = 0.5
    openai_standin.script(content="too late", delay=1.5)
    with pytest.raises(LLMError) as failure:
        chat_complete(purpose="test", messages=[{"role": "user", "content": "hi"}])
    assert failure.value.timeout
    call = LLMCall.objects.get()
    assert call.outcome == "timeout" and 400 <= call.latency_ms < 1500


def test_llama_cpp_servers_get_their_json_object_schema_format(settings, openai_standin):
    settings.AI_RESPONSE_FORMAT = "json_object_schema"
    openai_standin.script(json={"ok": True})
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    chat_structured(purpose="t", messages=[{"role": "user", "content": "?"}], schema=schema, schema_name="x")
    assert openai_standin.chat_requests()[0]["body"]["response_format"] == {"type": "json_object", "schema": schema}


def test_a_stream_abandoned_by_the_reader_is_recorded_as_cancelled(openai_standin):
    openai_standin.script(chunks=["a ", "b ", "c ", "d "])
    stream = chat_stream(purpose="draft", messages=[{"role": "user", "content": "hi"}], result=StreamResult())
    assert next(stream) == "a "
    stream.close()
    call = LLMCall.objects.get()
    assert call.outcome == "cancelled" and call.completion_tokens == 1


def test_the_chat_model_an_admin_saved_is_the_one_asked(openai_standin, admin_user):
    from agents.ai_config import ai_settings_load, ai_settings_save

    row = ai_settings_load()
    values = {name: getattr(row, name) for name in ("base_url", "decision_model", "band_low", "band_high")}
    ai_settings_save(values={**values, "chat_model": "site-model-7b"}, actor=admin_user)
    openai_standin.script(content="Hello", times=0)

    chat_complete(purpose="test", messages=[{"role": "user", "content": "hi"}])
    list(chat_stream(purpose="draft", messages=[{"role": "user", "content": "hi"}], result=StreamResult()))

    assert [r["body"]["model"] for r in openai_standin.chat_requests()] == ["site-model-7b", "site-model-7b"]
    assert set(LLMCall.objects.values_list("model", flat=True)) == {"site-model-7b"}
