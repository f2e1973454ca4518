"""The labelled examples behind every decision, and the heads fitted on them.

Three heads share one set of sentence vectors:
- intent: which admin-defined intent a message is (examples of kind "intent");
- reasons: "routine" (every intent example but human_request) against each reason a human must
  own it (signal examples; human_request's examples count as asks_human);
- urgency: "urgent" examples against all the others.

The fitted heads live in the process and are refitted when the examples change (one cheap
aggregate query per decision tells).
"""

import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from agents import classifier
from agents.classifier import LinearHead, Neighbour, nearest, neighbour_votes
from agents.embeddings import embedding_model_name, texts_embed
from agents.models import Example, Intent

log = logging.getLogger(__name__)

DEFAULTS_FILE = Path(__file__).resolve().parent / "data" / "default_examples.json"
ROUTINE = "routine"
URGENT = "urgent"
HUMAN_REASONS = ("negative", "sensitive", "asks_human", "complex_account", "vip_sales")
REASON_LABELS = {
    "negative": "Negative sentiment or anger",
    "sensitive": "Sensitive topic (legal, data deletion, fraud, chargeback, safety)",
    "asks_human": "Asks for a person",
    "complex_account": "Complex account change",
    "vip_sales": "Sales or VIP (quotes, bulk orders, contracts)",
    "unanswerable": "No knowledge-base article covers it",
    "uncertain": "The decision was uncertain",
    "sensitive_topic": "Mentions a sensitive topic an admin listed",
}
SIGNALS = (*HUMAN_REASONS, URGENT)
HUMAN_REQUEST_INTENT = "human_request"
HEADS = ("intent", "reason", "urgency")
# Balanced class weights make "routine" count as much as any one reason, i.e. a sixth of the total,
# while most real messages are routine: this prior puts routine level with all reasons together
# less a little (on tests/fixtures/ai/routing_dev.jsonl it halved routine questions sent to a person).
ROUTINE_WEIGHT = 3.0
# How much the nearest intent examples' votes count beside the linear head (DecisionModel.intents);
# on tests/fixtures/ai/routing_eval.jsonl half and half put 4 more of 340 messages right.
NEIGHBOUR_SHARE = 0.5
NEIGHBOURS_VOTING = 10
# Intents whose examples say nothing about which article answers (tone, not topic).
NO_TOPIC_INTENTS = ("other", "thanks", HUMAN_REQUEST_INTENT)
_lock = threading.Lock()
_cache: dict[tuple, "DecisionModel"] = {}
_vector_memo: dict[tuple[str, str], np.ndarray] = {}


@dataclass(frozen=True)
class DecisionModel:
    version: tuple
    texts: list[str]
    kinds: list[str]
    labels: list[str]
    vectors: np.ndarray
    intent_head: LinearHead | None
    reason_head: LinearHead | None
    urgency_head: LinearHead | None
    centroids: dict[str, np.ndarray]

    @functools.cached_property
    def _intent_examples(self) -> tuple[np.ndarray, list[str]]:
        """The intent examples' vectors and labels, picked out once per fitted model (not per message)."""
        is_intent = np.array([kind == Example.Kind.INTENT for kind in self.kinds], dtype=bool)
        return self.vectors[is_intent], [label for label, i in zip(self.labels, is_intent, strict=True) if i]

    def intents(self, vector: np.ndarray) -> dict[str, float]:
        """P(intent): the linear head's, half and half with the votes of the nearest intent examples.
        Far from every example the head extrapolates ("wie bewerbe ich mich?" came out 0.77 privacy
        while its nearest examples were all about people); the neighbours keep it near what they say."""
        if self.intent_head is None:
            return {}
        head = self.intent_head.predict(vector)
        vectors, labels = self._intent_examples
        votes = neighbour_votes(vectors, labels, vector, k=NEIGHBOURS_VOTING)
        return {label: (1 - NEIGHBOUR_SHARE) * p + NEIGHBOUR_SHARE * votes.get(label, 0.0) for label, p in head.items()}

    def neighbours(self, vector: np.ndarray, *, k: int = 3) -> list[dict]:
        found: list[Neighbour] = nearest(self.vectors, self.labels, vector, k=k)
        return [
            {"text": self.texts[n.index][:200], "kind": self.kinds[n.index], "label": n.label,
             "similarity": round(n.similarity, 3)}
            for n in found
        ]  # fmt: skip


def examples_defaults(*, path: Path | None = None) -> dict:
    return json.loads((path or DEFAULTS_FILE).read_text(encoding="utf-8"))


def default_rows(data: dict) -> list[tuple[str, str, str, str]]:
    """(kind, label, text, language) of every shipped example."""
    rows = []
    for kind, section in ((Example.Kind.INTENT, "intents"), (Example.Kind.SIGNAL, "signals")):
        for label, spec in data.get(section, {}).items():
            for language, texts in spec.get("examples", {}).items():
                rows += [(kind, label, t.strip()[:1000], language) for t in texts if t.strip()]
    return rows


def examples_defaults_encode() -> None:
    """Encode the shipped examples into the machine's vector cache now (10-40 s the first time on 2
    cores, then nothing), before processes that decide messages start and each pay it."""
    _vectors([text for _, _, text, _ in default_rows(examples_defaults())])


def examples_defaults_load(*, path: Path | None = None) -> int:
    """Create the shipped intents and examples that are missing; returns how many examples were added.
    Idempotent: an example already there (same kind, label and text) is left as it is."""
    data = examples_defaults(path=path)
    with transaction.atomic():
        for name, spec in data.get("intents", {}).items():
            Intent.objects.get_or_create(name=name, defaults={"description": spec.get("description", "")[:300]})
        before = Example.objects.count()
        Example.objects.bulk_create(
            [Example(kind=k, label=lab, text=t, language=lang, source=Example.Source.DEFAULT)
             for k, lab, t, lang in default_rows(data)],
            ignore_conflicts=True,
            batch_size=500,
        )  # fmt: skip
        return Example.objects.count() - before


FINGERPRINT_SQL = """
    SELECT count(*), md5(coalesce(string_agg(kind || chr(31) || label || chr(31) || text, chr(30)
                                             ORDER BY kind, label, text), ''))
    FROM agents_example
"""


def examples_version() -> tuple:
    """What the heads depend on, read in one query: a fingerprint of every example's content, the
    active intents and the embedding model. Equal content gives an equal version, so identical
    examples (another worker, a test run) never cause a refit."""
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL)
        count, digest = cursor.fetchone()
    active = tuple(Intent.objects.filter(active=True).order_by("name").values_list("name", flat=True))
    source = f"db:{digest}" if count else f"file:{DEFAULTS_FILE.stat().st_mtime_ns}"
    return (source, active, embedding_model_name())


def decision_model() -> DecisionModel:
    """The heads for the current examples, fitted at most once per change per process. With no
    examples stored at all (a database flushed by tests) the shipped defaults are used as they are."""
    version = examples_version()
    cached = _cache.get(version)
    if cached is not None:
        return cached
    with _lock:
        cached = _cache.get(version)
        if cached is None:
            cached = _fit(version)
            _cache.clear()
            _cache[version] = cached
    return cached


def _fit(version: tuple) -> DecisionModel:
    active = set(version[1])
    if version[0].startswith("db:"):
        rows = list(Example.objects.order_by("kind", "label", "text").values_list("kind", "label", "text"))
    else:
        rows = [(k, lab, t) for k, lab, t, _ in default_rows(examples_defaults())]
    rows = [r for r in rows if r[0] == Example.Kind.SIGNAL or r[1] in active]
    kinds = [r[0] for r in rows]
    labels = [r[1] for r in rows]
    texts = [r[2] for r in rows]
    vectors = _vectors(texts)
    is_intent = np.array([k == Example.Kind.INTENT for k in kinds], dtype=bool)

    heads = _heads_load(version)
    if heads is None:
        heads = _heads_fit(vectors, kinds, labels, is_intent)
        log.info("decision heads fitted on %d examples", len(rows))
        _heads_save(version, heads)
    intent_head, reason_head, urgency_head = (heads[name] for name in HEADS)
    centroids = {}
    for label in set(labels) - set(NO_TOPIC_INTENTS):
        chosen = is_intent & (np.array(labels) == label)
        if chosen.any():
            mean = vectors[chosen].mean(axis=0)
            centroids[label] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return DecisionModel(version, texts, kinds, labels, vectors, intent_head, reason_head, urgency_head, centroids)


def _heads_fit(vectors: np.ndarray, kinds: list[str], labels: list[str], is_intent: np.ndarray) -> dict:
    """The three heads (a few seconds on 2 cores: done once per change of the examples per machine)."""
    reason_labels = [_reason_label(kind, label) for kind, label in zip(kinds, labels, strict=True)]
    keep = np.array([lab is not None for lab in reason_labels], dtype=bool)
    kept = [lab for lab in reason_labels if lab is not None]
    urgency_labels = [URGENT if (k == Example.Kind.SIGNAL and lab == URGENT) else "normal" for k, lab in
                      zip(kinds, labels, strict=True)]  # fmt: skip
    return {
        "intent": _head(vectors[is_intent], [lab for lab, i in zip(labels, is_intent, strict=True) if i]),
        "reason": _head(
            vectors[keep], kept, weights=np.array([ROUTINE_WEIGHT if lab == ROUTINE else 1.0 for lab in kept])
        ),
        "urgency": _head(vectors, urgency_labels),
    }


def _heads_file(version: tuple) -> Path:
    # Everything the fit depends on: the examples (version) and how it fits.
    basis = repr((version, ROUTINE_WEIGHT, classifier.ITERATIONS, classifier.LEARNING_RATE, classifier.L2,
                  classifier.SCALE, settings.AI_EMBEDDING_DIMENSIONS))  # fmt: skip
    return Path(settings.AI_VECTOR_CACHE_DIR) / f"decision-heads-{hashlib.sha256(basis.encode()).hexdigest()[:24]}.npz"


def _heads_load(version: tuple) -> dict | None:
    """The heads fitted for ``version`` by any process of this machine, or None."""
    try:
        with np.load(_heads_file(version)) as stored:
            return {
                name: LinearHead(stored[f"{name}_labels"].tolist(), stored[f"{name}_weights"], stored[f"{name}_bias"])
                if f"{name}_labels" in stored else None
                for name in HEADS
            }  # fmt: skip
    except (OSError, ValueError, KeyError):
        return None


def _heads_save(version: tuple, heads: dict) -> None:
    arrays = {}
    for name, head in heads.items():
        if head is not None:
            arrays |= {f"{name}_labels": np.array(head.labels), f"{name}_weights": head.weights,
                       f"{name}_bias": head.bias}  # fmt: skip
    _npz_write(_heads_file(version), arrays)


def _reason_label(kind: str, label: str) -> str | None:
    if kind == Example.Kind.INTENT:
        return "asks_human" if label == HUMAN_REQUEST_INTENT else ROUTINE
    return label if label in HUMAN_REASONS else None


def _head(vectors: np.ndarray, labels: list[str], *, weights: np.ndarray | None = None) -> LinearHead | None:
    if len(set(labels)) < 2:
        return None
    return LinearHead.fit(vectors, labels, sample_weight=weights)


def _vectors(texts: list[str]) -> np.ndarray:
    """Sentence vectors, remembered per text: in the process (a refit after an admin adds one phrase
    encodes that phrase only) and on disk, shared by every process of the machine (encoding the ~2,000
    shipped examples takes 10-40 s on 2 cores: paid once, not by each worker's first message)."""
    model_name = embedding_model_name()
    keys = {text: (model_name, _digest(text)) for text in texts}
    if any(key not in _vector_memo for key in keys.values()):
        _vector_cache_load(model_name)
    missing = [text for text, key in keys.items() if key not in _vector_memo]
    for start in range(0, len(missing), 256):
        batch = missing[start : start + 256]
        for text, vector in zip(batch, texts_embed(batch), strict=True):
            _vector_memo[keys[text]] = np.asarray(vector, dtype=np.float32)
    if missing:
        log.info("encoded %d example phrases", len(missing))
        _vector_cache_save(model_name)
    dims = settings.AI_EMBEDDING_DIMENSIONS
    if not texts:
        return np.zeros((0, dims), dtype=np.float32)
    return np.stack([_vector_memo[keys[t]] for t in texts])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _vector_cache_file(model_name: str) -> Path:
    slug = hashlib.sha256(f"{model_name}|{settings.AI_EMBEDDING_DIMENSIONS}".encode()).hexdigest()[:16]
    return Path(settings.AI_VECTOR_CACHE_DIR) / f"example-vectors-{slug}.npz"


def _vector_cache_load(model_name: str) -> None:
    try:
        with np.load(_vector_cache_file(model_name)) as stored:
            digests, vectors = stored["digests"], stored["vectors"]
    except (OSError, ValueError, KeyError):
        return  # no cache yet, or a broken one: encode, and the save replaces it
    if vectors.ndim != 2 or vectors.shape[1] != settings.AI_EMBEDDING_DIMENSIONS:
        return
    for digest, vector in zip(digests.tolist(), vectors, strict=True):
        _vector_memo.setdefault((model_name, digest), vector)


def _vector_cache_save(model_name: str) -> None:
    """Write every vector of ``model_name`` this process knows (after merging what another process
    saved meanwhile), atomically: readers see the old file or the new one."""
    _vector_cache_load(model_name)
    mine = [(digest, vector) for (name, digest), vector in _vector_memo.items() if name == model_name]
    _npz_write(
        _vector_cache_file(model_name),
        {"digests": np.array([d for d, _ in mine]), "vectors": np.stack([v for _, v in mine])},
    )


def _npz_write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` atomically (readers see the old file or the new one); a failure is
    logged, not raised: the cache only saves time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, **arrays)
        os.chmod(tmp.name, 0o644)  # mkstemp's 0600 would hide it from a worker running as another user
        os.replace(tmp.name, path)
    except OSError as exc:
        log.warning("could not save %s: %s", path, exc)
