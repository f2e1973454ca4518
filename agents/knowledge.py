"""The knowledge base: articles split into short passages, embedded, and found again by hybrid search.

Hybrid retrieval = pgvector cosine similarity in a multilingual space (meaning, across languages)
+ Postgres full-text rank (exact words, product names, error codes), stemmed with the article's
own language. The score is calibrated: the same number means the same evidence for every
question, so one threshold (AI_ANSWER_THRESHOLD) says whether the knowledge base answers it.
Only articles whose content changed are embedded again.
"""

import hashlib
import itertools
import math
import re
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import transaction
from django.db.models import Avg, F, Q
from django.urls import reverse
from django.utils import timezone
from pgvector.django import CosineDistance, VectorField

from agents.embeddings import embedding_model_name, texts_embed
from agents.glossary import text_concepts
from agents.language import language_detect
from agents.models import Article, ArticleChunk, IndexJob

# Postgres text-search configuration per article language; queries also use "simple" (no stemming,
# no stop words) so a product name or code matches in any language.
TEXT_SEARCH_CONFIGS = {"en": "english", "es": "spanish", "de": "german", "pt": "portuguese", "fr": "french"}
CHUNKER = "sentences-v1"  # part of the content hash: a new way of splitting embeds everything again
PASSAGE_CHARS = 350  # sentence vectors blur over long text: short passages keep one topic each
PASSAGE_SENTENCES = 3
CONTEXT_CHARS = 700  # what a prompt gets around a matched passage (sources_block cuts there too)
QUERY_CHARS = 2000
CANDIDATES = 20
TEXT_MATCHES = 200
WORD = re.compile(r"[^\W_]{2,}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\W*[A-ZÀ-ÖØ-Þ0-9¿¡])")
MARKDOWN = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+|[*_`#>|]+", re.MULTILINE)

# Evidence = cosine similarity + a bonus for matched words that grows with the absolute text rank
# (ts_rank, never divided by the best candidate's) and stops at TEXT_BONUS_MAX, + a bonus for the
# support words the question and the passage share in meaning across the five languages (the
# glossary's concepts, weighted by how few of the candidate articles name them: "phone" in one
# article of five says more than "order" in all five), so shared words alone never make an answer.
# A logistic maps evidence to 0..1 with AI_ANSWER_THRESHOLD = 0.5 at CALIBRATION_MID, fitted on the
# demo articles' calibration questions and another business's articles (tests/agents/kb.py: `make
# bench` prints both): every answerable question of either lies above 0.24 but one of 110. Off-topic
# questions mostly lie under it; one *about* an article's subject that the article does not answer
# ("do you sell decaf?" to a coffee shop's articles) often does not, which the decision's on-topic
# factor and the answer's grounding check catch instead.
TEXT_BONUS_PER_RANK = 3.0
TEXT_BONUS_MAX = 0.05
CONCEPT_BONUS = 0.04
CONCEPT_BONUS_MAX = 0.08
CALIBRATION_MID = 0.24
CALIBRATION_SCALE = 0.04
# Sharing the question's language lifts a passage's similarity a little by itself, so a translation
# drew questions in its language away from articles that have none (German questions to the one
# translated German article): a translation in the question's language is docked by this much.
TRANSLATION_PULL = 0.05
# Among an article's versions, the customer's language, else the original, wins when its evidence
# trails the best version's by no more than this (same facts, in words the customer reads).
LANGUAGE_MARGIN = 0.2


@dataclass(frozen=True)
class Passage:
    """A retrieved passage with its scores; ``score`` in 0..1 says whether it answers the question.

    ``article_id`` is the article whose text is returned (a translation or an original: citations
    link it); ``original_id`` is the original it belongs to (itself for an original). ``score`` is
    the evidence of the article in any of its languages; ``similarity``/``text_rank`` are this text's.
    """

    article_id: int
    title: str
    text: str
    similarity: float
    text_rank: float
    score: float
    language: str = "en"
    original_id: int = 0
    evidence: float = 0.0  # what ``score`` calibrates: the best version's similarity plus its bonuses

    @property
    def url(self) -> str:
        return reverse("agents:article_public", args=[self.article_id])


def article_content_hash(article: Article) -> str:
    basis = (
        f"{embedding_model_name()}|{settings.AI_EMBEDDING_DIMENSIONS}|{CHUNKER}|{article.language}|"
        f"{article.title}\n{article.body}"
    )
    return hashlib.sha256(basis.encode()).hexdigest()


def _sentences(body: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, heading, starts_paragraph) of each sentence or list item of ``body``."""
    found = []
    heading = ""
    paragraph = True
    for line in re.finditer(r"[^\n]+|\n\s*\n", body):
        text = line.group()
        if not text.strip():
            paragraph = True
            continue
        if text.lstrip().startswith("#"):
            heading, paragraph = text.lstrip("# ").strip(), True
            continue
        cuts = [line.start(), *(line.start() + m.end() for m in SENTENCE_END.finditer(text)), line.end()]
        for start, end in itertools.pairwise(cuts):
            piece = body[start:end]
            start, end = start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())
            if end > start:
                found.append((start, end, heading, paragraph))
                paragraph = False
    return found


def article_passages(*, title: str, body: str) -> list[tuple[str, str]]:
    """(stored text, text to embed) of each passage: the title alone, then groups of 1-3 sentences
    of one paragraph, at most PASSAGE_CHARS, each after the title. The stored text is the title, a
    newline and an exact slice of the body (so the prompt can get the text around it); the embedded
    text is plain (no markdown)."""
    passages = [(title, title)]
    group: list[tuple[int, int, str, bool]] = []

    def flush() -> None:
        if group:
            raw = body[group[0][0] : group[-1][1]]
            heading = group[0][2]
            context = f"{title} - {heading}" if heading and heading.casefold() != title.casefold() else title
            plain = " ".join(MARKDOWN.sub("", raw).split())
            passages.append((f"{title}\n{raw}", f"{context}. {plain}"))
            group.clear()

    for sentence in _sentences(body):
        _, end, heading, new_paragraph = sentence
        if group and (
            new_paragraph
            or heading != group[0][2]
            or len(group) >= PASSAGE_SENTENCES
            or end - group[0][0] > PASSAGE_CHARS
        ):
            flush()
        group.append(sentence)
    flush()
    # A one-passage article: that passage already is the title and all the text.
    return passages[1:] if len(passages) == 2 else passages


def article_chunks_split(*, title: str, body: str) -> list[str]:
    """The stored texts of ``article_passages`` (what is searched and shown)."""
    return [stored for stored, _ in article_passages(title=title, body=body)]


def article_index(*, article: Article, force: bool = False) -> bool:
    """(Re)embed one article when its content changed; drop its chunks when unpublished.

    Returns True when something was (re)written. Embedding happens outside the transaction so a
    slow model never holds row locks.
    """
    if not article.published:
        with transaction.atomic():
            deleted, _ = ArticleChunk.objects.filter(article=article).delete()
            Article.objects.filter(pk=article.pk).update(indexed_hash="")
        return bool(deleted)
    wanted = article_content_hash(article)
    if article.indexed_hash == wanted and not force:
        return False
    passages = article_passages(title=article.title, body=article.body)
    vectors = texts_embed([embedded for _, embedded in passages])
    config = TEXT_SEARCH_CONFIGS.get(article.language, "simple")
    with transaction.atomic():
        ArticleChunk.objects.filter(article=article).delete()
        ArticleChunk.objects.bulk_create(
            ArticleChunk(article=article, position=i, text=stored, embedding=vector)
            for i, ((stored, _), vector) in enumerate(zip(passages, vectors, strict=True))
        )
        ArticleChunk.objects.filter(article=article).update(search=SearchVector("text", config=config))
        Article.objects.filter(pk=article.pk).update(indexed_hash=wanted)
    article.indexed_hash = wanted
    return True


def index_job_start(*, kind: str = IndexJob.Kind.REINDEX, payload: list | None = None) -> IndexJob:
    """Create a job and run it in Celery after commit; the settings page polls its progress."""
    from agents.tasks import kb_index_job_run

    job = IndexJob.objects.create(kind=kind, payload=payload or [])
    transaction.on_commit(lambda: kb_index_job_run.delay(job.pk))
    return job


def kb_reindex(*, job: IndexJob) -> IndexJob:
    """Bring every article's chunks up to date, counting progress on ``job``."""
    articles = list(Article.objects.all())
    IndexJob.objects.filter(pk=job.pk).update(state=IndexJob.State.RUNNING, total=len(articles), done=0)
    changed = 0
    for article in articles:
        changed += article_index(article=article)
        IndexJob.objects.filter(pk=job.pk).update(done=F("done") + 1, changed=changed)
    IndexJob.objects.filter(pk=job.pk).update(state=IndexJob.State.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def passage_evidence(*, similarity: float, text_rank: float) -> float:
    return similarity + min(TEXT_BONUS_MAX, TEXT_BONUS_PER_RANK * text_rank)


def evidence_score(evidence: float) -> float:
    """Calibrated 0..1: how sure it is that the passage answers the question (see CALIBRATION_*)."""
    return 1.0 / (1.0 + math.exp(-(evidence - CALIBRATION_MID) / CALIBRATION_SCALE))


def _text_query(query: str, language: str) -> SearchQuery | None:
    words = list(dict.fromkeys(WORD.findall(query.casefold())))[:30]
    if not words:
        return None
    raw = " | ".join(words)
    simple = SearchQuery(raw, search_type="raw", config="simple")
    config = TEXT_SEARCH_CONFIGS.get(language)
    return simple | SearchQuery(raw, search_type="raw", config=config) if config else simple


def _context(body: str, stored: str) -> str:
    """The body around a matched passage: from its paragraph's start, about CONTEXT_CHARS, cut at a
    line or sentence end. The passage itself when the body changed since it was indexed."""
    title, _, raw = stored.partition("\n")
    at = body.find(raw) if raw else 0
    if at < 0:
        return raw
    paragraph = body.rfind("\n\n", 0, at) + 2 if at else 0
    start = paragraph if at - paragraph <= CONTEXT_CHARS - len(raw) - 100 else at
    if start == 0 and body.startswith("#") and body.partition("\n")[0].lstrip("# ").strip() == title.strip():
        start = len(body.partition("\n")[0])  # the title is printed beside the text already
    text = body[start : start + CONTEXT_CHARS]
    if start + CONTEXT_CHARS < len(body):
        cut = max(text.rfind("\n"), text.rfind(". "))
        text = text[: cut + 1] if cut > at - start + len(raw) - 1 else text
    return text.strip()


def _rows(candidates: list, groups: set[int], language: str, vector: list[float], text_query: SearchQuery | None):
    """Every candidate passage, plus every passage of the candidates' originals and of their versions
    in the customer's language (so those are compared even when only another version was near),
    with distance and text rank."""
    rows = ArticleChunk.objects.order_by().annotate(distance=CosineDistance("embedding", vector))
    if text_query is not None:
        rows = rows.annotate(rank=SearchRank(F("search"), text_query))
    rows = rows.values(
        "article_id", "article__title", "article__language", "article__translation_of_id", "text", "distance",
        *(["rank"] if text_query is not None else []),
    )  # fmt: skip
    versions = Article.objects.filter(
        Q(id__in=groups) | Q(language=language, translation_of_id__in=groups), published=True
    ).values("id")
    # Two index scans in a UNION: one OR across them made Postgres read the whole chunk table.
    return rows.filter(id__in={c[0] for c in candidates}).union(rows.filter(article_id__in=versions))


def _concepts_score(rows: list[dict], asked: frozenset[str]) -> None:
    """Set each row's "concepts": its bonus for the glossary concepts it shares with the question."""
    named = {id(row): asked & text_concepts(row["text"], row["article__language"]) if asked else frozenset()
             for row in rows}  # fmt: skip
    groups: dict[str, set[int]] = {}
    for row in rows:
        for concept in named[id(row)]:
            groups.setdefault(concept, set()).add(row["article__translation_of_id"] or row["article_id"])
    total = len({row["article__translation_of_id"] or row["article_id"] for row in rows})
    weight = {c: math.log((total + 1) / len(g)) / math.log(total + 1) for c, g in groups.items()} if total else {}
    for row in rows:
        row["concepts"] = min(CONCEPT_BONUS_MAX, CONCEPT_BONUS * sum(weight[c] for c in named[id(row)]))


def kb_search(
    *, query: str, language: str = "", k: int | None = None, vector: list[float] | None = None
) -> list[Passage]:
    """The best passages for ``query``, one per original article (a translation and its original
    count as one), best first, with calibrated scores; three SQL queries.

    ``language`` is the customer's (detected from ``query`` when blank): its text-search
    configuration stems the query, and an article in it is preferred within LANGUAGE_MARGIN.
    ``vector`` is the query's embedding when the caller has it already (saves an encode).
    """
    k = k or settings.AI_RETRIEVAL_TOP_K
    query = query.strip()[:QUERY_CHARS]
    if not query:
        return []
    if language not in TEXT_SEARCH_CONFIGS:
        language = language_detect(query)[0]
    if vector is None:
        vector = texts_embed([query])[0]
    published = ArticleChunk.objects.filter(article__published=True)
    columns = ("id", "article_id", "article__translation_of_id")
    nearest = published.order_by(CosineDistance("embedding", vector)).values_list(*columns)[:CANDIDATES]
    text_query = _text_query(query, language)
    if text_query is not None:
        # Rank at most TEXT_MATCHES passages: a rare word (a code, a product name) matches few and all
        # are ranked; words that match hundreds say little, and ranking them all cost ~50 ms at 10k chunks.
        matched = published.filter(search=text_query).values("id")[:TEXT_MATCHES]
        matching = (
            ArticleChunk.objects.filter(id__in=matched)
            .order_by(SearchRank(F("search"), text_query).desc(), "id")
            .values_list(*columns)[:CANDIDATES]
        )
        nearest = nearest.union(matching)
    candidates = list(nearest)
    groups = {original or article for _, article, original in candidates}
    rows = list(_rows(candidates, groups, language, vector, text_query))
    _concepts_score(rows, text_concepts(query, language))
    versions: dict[int, dict[str, dict]] = {}  # group -> "best" / "language" / "original" -> row
    for row in rows:
        row["similarity"] = min(1.0, max(0.0, 1.0 - float(row["distance"])))
        row["rank"] = float(row.get("rank") or 0.0)
        group = row["article__translation_of_id"] or row["article_id"]
        pull = TRANSLATION_PULL if row["article_id"] != group and row["article__language"] == language else 0.0
        row["evidence"] = passage_evidence(similarity=row["similarity"], text_rank=row["rank"]) + row["concepts"] - pull
        kinds = ["best"]
        kinds += ["language"] if row["article__language"] == language else []
        kinds += ["original"] if row["article_id"] == group else []
        found = versions.setdefault(group, {})
        for kind in kinds:
            if kind not in found or found[kind]["evidence"] < row["evidence"]:
                found[kind] = row
    chosen = []
    for group, found in sorted(versions.items(), key=lambda item: item[1]["best"]["evidence"], reverse=True)[:k]:
        best = found["best"]
        row = next(
            (found[kind] for kind in ("language", "original")
             if kind in found and found[kind]["evidence"] >= best["evidence"] - LANGUAGE_MARGIN),
            best,
        )  # fmt: skip
        chosen.append((group, row, best["evidence"]))
    bodies = dict(Article.objects.filter(id__in=[row["article_id"] for _, row, _ in chosen]).values_list("id", "body"))
    return [
        Passage(
            article_id=row["article_id"],
            title=row["article__title"],
            text=_context(bodies.get(row["article_id"], ""), row["text"]),
            similarity=row["similarity"],
            text_rank=row["rank"],
            score=evidence_score(evidence),
            language=row["article__language"],
            original_id=group,
            evidence=evidence,
        )
        for group, row, evidence in chosen
    ]


def articles_mean_vector(*, article_ids: set[int]) -> dict[int, np.ndarray]:
    """Each article's mean passage vector (unit length): what the whole article is about."""
    rows = (
        ArticleChunk.objects.filter(article_id__in=article_ids)
        .values("article_id")
        .annotate(mean=Avg("embedding", output_field=VectorField()))
        .values_list("article_id", "mean")
    )
    means = {}
    for article_id, mean in rows:
        vector = np.asarray(mean, dtype=np.float32)
        means[article_id] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return means


def sources_block(passages: list[Passage], *, max_chars: int = CONTEXT_CHARS) -> str:
    """The numbered sources for a prompt: [1] Title: text... (numbers are the citation numbers)."""
    return "\n\n".join(f"[{i}] {p.title}: {p.text[:max_chars]}" for i, p in enumerate(passages, start=1))
