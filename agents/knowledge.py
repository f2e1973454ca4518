"""The knowledge base: articles split into chunks, embedded, and found again by hybrid search.

Hybrid retrieval = pgvector cosine similarity (meaning) + Postgres full-text rank (exact words,
product names, error codes). Only articles whose content changed are embedded again.
"""

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from pgvector.django import CosineDistance

from agents.embeddings import embedding_model_name, texts_embed
from agents.models import Article, ArticleChunk, IndexJob

CHUNK_CHARS = 800
CANDIDATES = 20
TEXT_WEIGHT = 0.3  # share of the score from full-text rank; the rest is vector similarity
WORD = re.compile(r"[a-z0-9]{2,}")


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its scores; ``score`` in 0..1 decides whether an answer is grounded."""

    article_id: int
    title: str
    text: str
    similarity: float
    text_rank: float
    score: float

    @property
    def url(self) -> str:
        return reverse("agents:article_public", args=[self.article_id])


def article_content_hash(article: Article) -> str:
    basis = f"{embedding_model_name()}|{settings.AI_EMBEDDING_DIMENSIONS}|{article.title}\n{article.body}"
    return hashlib.sha256(basis.encode()).hexdigest()


def article_chunks_split(*, title: str, body: str) -> list[str]:
    """Paragraph-aligned passages of about CHUNK_CHARS, each carrying the article title and its heading."""
    chunks: list[str] = []
    heading = ""
    current = ""
    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        if not block:
            continue
        if block.startswith("#"):
            heading = block.splitlines()[0].lstrip("#").strip()
        if current and len(current) + len(block) > CHUNK_CHARS:
            chunks.append(current)
            current = ""
        prefix = f"{title}" + (f" - {heading}" if heading and heading != title else "") + "\n"
        current = current + "\n\n" + block if current else prefix + block
    if current:
        chunks.append(current)
    return chunks or [title]


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
    texts = article_chunks_split(title=article.title, body=article.body)
    vectors = texts_embed(texts)
    with transaction.atomic():
        ArticleChunk.objects.filter(article=article).delete()
        ArticleChunk.objects.bulk_create(
            ArticleChunk(article=article, position=i, text=t, embedding=v)
            for i, (t, v) in enumerate(zip(texts, vectors, strict=True))
        )
        ArticleChunk.objects.filter(article=article).update(search=SearchVector("text", config="english"))
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


def _query_words(text: str) -> list[str]:
    return list(dict.fromkeys(WORD.findall(text.lower())))[:30]


def kb_search(*, query: str, k: int | None = None) -> list[Passage]:
    """The best passages for ``query``, at most one per article, best first, with scores.

    Candidates come from both the vector index and the full-text index; each is scored by
    (1 - TEXT_WEIGHT) * cosine similarity + TEXT_WEIGHT * (its text rank / the best text rank).
    """
    k = k or settings.AI_RETRIEVAL_TOP_K
    if not query.strip():
        return []
    vector = texts_embed([query[:2000]])[0]
    published = ArticleChunk.objects.filter(article__published=True)
    ids = set(published.order_by(CosineDistance("embedding", vector)).values_list("id", flat=True)[:CANDIDATES])
    words = _query_words(query)
    text_query = SearchQuery(" | ".join(words), search_type="raw", config="english") if words else None
    if text_query is not None:
        ids |= set(
            published.filter(search=text_query)
            .annotate(rank=SearchRank(F("search"), text_query))
            .order_by("-rank")
            .values_list("id", flat=True)[:CANDIDATES]
        )
    # Plain values: the candidates' vectors and the articles' bodies are not needed here.
    rows = (
        ArticleChunk.objects.filter(id__in=ids)
        .order_by()
        .annotate(distance=CosineDistance("embedding", vector))
        .values("article_id", "article__title", "text", "distance")
    )
    if text_query is not None:
        rows = rows.annotate(rank=SearchRank(F("search"), text_query))
    rows = list(rows)
    best_rank = max((row.get("rank") or 0.0 for row in rows), default=0.0) or 1.0
    best: dict[int, Passage] = {}
    for row in rows:
        similarity = max(0.0, 1.0 - float(row["distance"]))
        rank = float(row.get("rank") or 0.0)
        score = (1 - TEXT_WEIGHT) * similarity + TEXT_WEIGHT * (rank / best_rank)
        article_id = row["article_id"]
        passage = Passage(article_id, row["article__title"], row["text"], similarity, rank, score)
        if article_id not in best or best[article_id].score < score:
            best[article_id] = passage
    return sorted(best.values(), key=lambda p: p.score, reverse=True)[:k]


def sources_block(passages: list[Passage], *, max_chars: int = 700) -> str:
    """The numbered sources for a prompt: [1] Title: text... (numbers are the citation numbers)."""
    return "\n\n".join(f"[{i}] {p.title}: {p.text[:max_chars]}" for i, p in enumerate(passages, start=1))
