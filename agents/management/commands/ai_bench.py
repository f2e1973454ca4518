"""Measure retrieval + prompt assembly overhead (no model time) on a synthetic knowledge base.

    python manage.py ai_bench --chunks 3000 --queries 50

Creates the chunks inside a transaction that is rolled back, so the database is left as it was.
Vectors are random unit vectors (retrieval cost does not depend on their meaning); the query is
embedded once with the configured model and that time is reported separately.
"""

import io
import random
import statistics
import time

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from agents import knowledge
from agents.copilot import draft_messages
from agents.models import Article, ArticleChunk
from agents.prompts import answer_messages
from inbox.models import Channel
from inbox.services import message_receive

WORDS = [
    "order",
    "refund",
    "parcel",
    "shipping",
    "delivery",
    "invoice",
    "payment",
    "password",
    "account",
    "login",
    "return",
    "warranty",
    "broken",
    "address",
    "subscription",
    "cancel",
    "express",
    "tracking",
    "courier",
    "discount",
    "code",
    "jacket",
    "boots",
    "backpack",
    "zipper",
    "size",
    "exchange",
    "label",
    "customs",
    "duties",
    "card",
    "paypal",
    "bank",
    "transfer",
    "reset",
    "email",
    "phone",
    "security",
]


class Rollback(Exception):
    pass


def ai_overhead_measure(*, chunks: int, queries: int, per_article: int = 4) -> dict:
    """ms lists (search, prompt, total) and the per-query embedding ms; the chunks are rolled back (make bench)."""
    command = Command(stdout=io.StringIO())
    command.explain = False
    try:
        with transaction.atomic():
            result = command._run(chunks, per_article, queries)
            raise Rollback
    except Rollback:
        pass
    return result


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--chunks", type=int, default=3000)
        parser.add_argument("--per-article", type=int, default=4)
        parser.add_argument("--queries", type=int, default=50)
        parser.add_argument("--explain", action="store_true", help="print the query plans of one search")

    def handle(self, *args, chunks: int, per_article: int, queries: int, **options):
        self.explain = options["explain"]
        try:
            with transaction.atomic():
                self._run(chunks, per_article, queries)
                raise Rollback
        except Rollback:
            pass

    def _run(self, n_chunks: int, per_article: int, n_queries: int):
        rng = random.Random(5)
        dims = settings.AI_EMBEDDING_DIMENSIONS
        articles = Article.objects.bulk_create(
            Article(title=f"Bench article {i} " + " ".join(rng.sample(WORDS, 3)), body="-")
            for i in range(n_chunks // per_article)
        )
        vectors = np.random.default_rng(5).normal(size=(n_chunks, dims)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ArticleChunk.objects.bulk_create(
            (
                ArticleChunk(
                    article=articles[i // per_article],
                    position=i % per_article,
                    text=" ".join(rng.choices(WORDS, k=110)),
                    embedding=vectors[i].tolist(),
                )
                for i in range(n_chunks)
            ),
            batch_size=1000,
        )
        ArticleChunk.objects.update(search=SearchVector("text", config="english"))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE agents_articlechunk")
        conversation = message_receive(
            channel=Channel.WHATSAPP, address="+15550009999", text="Where is my parcel? I need the tracking code."
        ).message.conversation
        total = ArticleChunk.objects.count()
        self.stdout.write(f"{total} chunks in {Article.objects.count()} articles, {dims} dims")

        questions = [" ".join(rng.sample(WORDS, 6)) + "?" for _ in range(n_queries)]
        started = time.perf_counter()
        query_vectors = knowledge.texts_embed(questions)
        embed_ms = (time.perf_counter() - started) * 1000 / n_queries

        fixed = dict(zip(questions, query_vectors, strict=True))
        original = knowledge.texts_embed
        knowledge.texts_embed = lambda texts: [fixed[texts[0]]]  # the query vector is ready: time the rest
        try:
            if self.explain:
                self._explain(questions[0], fixed[questions[0]])
            search_ms, prompt_ms = [], []
            for question in questions:
                t0 = time.perf_counter()
                passages = knowledge.kb_search(query=question)
                t1 = time.perf_counter()
                answer_messages(question=question, passages=passages, language="en", channel="whatsapp", procedures=[])
                draft_messages(conversation=conversation, passages=passages)
                t2 = time.perf_counter()
                search_ms.append((t1 - t0) * 1000)
                prompt_ms.append((t2 - t1) * 1000)
        finally:
            knowledge.texts_embed = original

        def line(name, values):
            values = sorted(values)
            p95 = values[int(0.95 * (len(values) - 1))]
            return f"{name}: median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms"

        self.stdout.write(f"query embedding ({settings.AI_EMBEDDINGS}): {embed_ms:.1f} ms per query (batched)")
        self.stdout.write(line("hybrid retrieval (3 SQL queries)", search_ms))
        self.stdout.write(line("prompt assembly (agent + copilot)", prompt_ms))
        total_ms = [a + b for a, b in zip(search_ms, prompt_ms, strict=True)]
        self.stdout.write(line("retrieval + prompt total", total_ms))
        return {"chunks": total, "embed_ms": embed_ms, "search_ms": search_ms, "prompt_ms": prompt_ms,
                "total_ms": total_ms}  # fmt: skip

    def _explain(self, question, vector):
        from django.db import connection

        connection.force_debug_cursor = True
        knowledge.kb_search(query=question)
        connection.force_debug_cursor = False
        for query in connection.queries[-3:]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                self.stdout.write("\n".join(row[0] for row in cursor.fetchall()) + "\n")
