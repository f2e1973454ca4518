"""The one way to talk to a language model: the official openai SDK, recorded call by call.

Any OpenAI-compatible server works (OPENAI_BASE_URL). Timeouts and retries are explicit (the
SDK's defaults are 600 s and 2 retries). Every request leaves an LLMCall row with its purpose,
model, tokens, latency and outcome, so cost and failure rates can be measured.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import openai
from django.conf import settings

from agents.ai_config import ai_config, openai_client
from agents.models import LLMCall


class LLMError(Exception):
    """The model could not answer (down, timed out, refused, or returned garbage)."""

    def __init__(self, message: str, *, timeout: bool = False):
        super().__init__(message)
        self.timeout = timeout


@dataclass
class StreamResult:
    """Filled in while a stream is consumed; read it after the iterator ends."""

    text: str = ""
    finish_reason: str | None = None
    chunks: int = 0
    extra: dict = field(default_factory=dict)


def llm_client(*, deadline: float | None = None) -> openai.OpenAI:
    """A client whose timeout and retries fit before ``deadline`` (a ``time.time()``), if given."""
    timeout, retries = settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES
    if deadline is not None:
        remaining = deadline - time.time()
        if remaining < 1:
            raise LLMError("no time was left to ask the model", timeout=True)
        timeout, retries = min(timeout, remaining), 0
    # The admin's AI settings (base URL) over the environment's; the key only from the environment.
    return openai_client(ai_config(), timeout=timeout, retries=retries)


def _record(
    *, purpose: str, model: str, started: float, outcome: str, usage=None, error: str = "", conversation_id=None
):
    LLMCall.objects.create(
        purpose=purpose,
        model=model,
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        latency_ms=int((time.monotonic() - started) * 1000),
        outcome=outcome,
        error=error[:500],
        conversation_id=conversation_id,
    )


def _fail(exc: Exception, *, purpose: str, model: str, started: float, conversation_id) -> LLMError:
    timeout = isinstance(exc, openai.APITimeoutError)
    outcome = LLMCall.Outcome.TIMEOUT if timeout else LLMCall.Outcome.ERROR
    message = f"{type(exc).__name__}: {exc}"
    _record(
        purpose=purpose, model=model, started=started, outcome=outcome, error=message, conversation_id=conversation_id
    )
    return LLMError(message, timeout=timeout)


def chat_complete(
    *, purpose: str, messages: list[dict], conversation_id: int | None = None, max_tokens: int | None = None
) -> str:
    """One non-streamed answer. Raises LLMError."""
    text, _ = chat_completion(
        purpose=purpose, messages=messages, conversation_id=conversation_id, max_tokens=max_tokens
    )
    return text


def chat_completion(
    *,
    purpose: str,
    messages: list[dict],
    conversation_id: int | None = None,
    max_tokens: int | None = None,
    temperature: float = 0.2,
    deadline: float | None = None,
) -> tuple[str, str]:
    """(text, finish_reason) of one non-streamed answer, finished before ``deadline`` (a ``time.time()``)
    when given, recorded as an LLMCall. Raises LLMError."""
    model = ai_config().chat_model
    started = time.monotonic()
    try:
        response = llm_client(deadline=deadline).chat.completions.create(
            model=model, messages=messages, temperature=temperature, max_tokens=max_tokens or settings.AI_MAX_TOKENS
        )
        choice = response.choices[0]
        text = choice.message.content or ""
    except (openai.OpenAIError, IndexError) as exc:
        raise _fail(exc, purpose=purpose, model=model, started=started, conversation_id=conversation_id) from exc
    _record(
        purpose=purpose,
        model=model,
        started=started,
        outcome=LLMCall.Outcome.OK,
        usage=response.usage,
        conversation_id=conversation_id,
    )
    return text, choice.finish_reason or ""


def chat_stream(
    *, purpose: str, messages: list[dict], result: StreamResult, conversation_id: int | None = None
) -> Iterator[str]:
    """Yield the answer's text pieces as the model produces them (a person is waiting).

    A model that says nothing for AI_REPLY_DEADLINE_SECONDS is given up on, without a retry: the
    agent gets an error in time to write the reply themselves. Raises LLMError, also mid-stream.
    The call is recorded when the stream ends.
    """
    model = ai_config().chat_model
    started = time.monotonic()
    usage = None
    client = llm_client(deadline=time.time() + settings.AI_REPLY_DEADLINE_SECONDS)
    try:
        stream = client.chat.completions.create(
            model=model,
            messages=messages,
            temperature=0.2,
            max_tokens=settings.AI_MAX_TOKENS,
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            usage = chunk.usage or usage
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            result.finish_reason = choice.finish_reason or result.finish_reason
            piece = choice.delta.content or ""
            if piece:
                result.text += piece
                result.chunks += 1
                yield piece
    except GeneratorExit:  # the person went away: stop reading (closes the HTTP stream) and say so
        stream.close()
        usage = SimpleNamespace(prompt_tokens=0, completion_tokens=result.chunks)
        _record(
            purpose=purpose,
            model=model,
            started=started,
            outcome=LLMCall.Outcome.CANCELLED,
            usage=usage,
            conversation_id=conversation_id,
        )
        raise
    except openai.OpenAIError as exc:
        raise _fail(exc, purpose=purpose, model=model, started=started, conversation_id=conversation_id) from exc
    if usage is None:  # servers that ignore stream_options (llama.cpp): one streamed chunk is about one token
        usage = SimpleNamespace(prompt_tokens=0, completion_tokens=result.chunks)
    _record(
        purpose=purpose,
        model=model,
        started=started,
        outcome=LLMCall.Outcome.OK,
        usage=usage,
        conversation_id=conversation_id,
    )


def _response_format(schema: dict, schema_name: str) -> dict:
    if settings.AI_RESPONSE_FORMAT == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema, "strict": True}}


def chat_structured(
    *,
    purpose: str,
    messages: list[dict],
    schema: dict,
    schema_name: str,
    conversation_id: int | None = None,
    deadline: float | None = None,
    model: str = "",
) -> dict:
    """An answer that must be a JSON object matching ``schema`` (structured output), before
    ``deadline`` if given, from ``model`` (default: the chat model). Raises LLMError."""
    model = model or ai_config().chat_model
    started = time.monotonic()
    client = llm_client(deadline=deadline)
    try:
        response = client.chat.completions.create(
            model=model,
            messages=messages,
            temperature=0,
            max_tokens=settings.AI_MAX_TOKENS,
            response_format=_response_format(schema, schema_name),
        )
        content = response.choices[0].message.content or ""
        data = json.loads(content)
        if not isinstance(data, dict):
            raise ValueError("the answer is not a JSON object")
    except (openai.OpenAIError, IndexError, ValueError) as exc:
        raise _fail(exc, purpose=purpose, model=model, started=started, conversation_id=conversation_id) from exc
    _record(
        purpose=purpose,
        model=model,
        started=started,
        outcome=LLMCall.Outcome.OK,
        usage=response.usage,
        conversation_id=conversation_id,
    )
    return data
