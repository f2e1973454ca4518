from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents import knowledge
from agents.knowledge import article_chunks_split, article_index, index_job_start, kb_search
from agents.models import Article, ArticleChunk, IndexJob, LLMCall
from tests.agents.kb import QUESTIONS, kb_load

pytestmark = pytest.mark.django_db


def test_the_right_article_is_in_the_top_three_for_every_question():
    kb_load()
    for question, expected in QUESTIONS.items():
        titles = [p.title for p in kb_search(query=question, k=3)]
        assert expected in titles, f"{question!r} -> {titles}"


def test_results_carry_scores_best_first_and_one_passage_per_article():
    kb_load()
    passages = kb_search(query="refund for a damaged item", k=5)
    assert len({p.article_id for p in passages}) == len(passages)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert all(0 <= p.similarity <= 1 and p.text_rank >= 0 for p in passages)
    assert passages[0].url == f"/ai/articles/{passages[0].article_id}/"


def test_full_text_rank_finds_exact_words_and_unpublished_articles_are_never_returned():
    articles = kb_load()
    top = kb_search(query="Mastercard", k=1)[0]
    assert top.title == "Payment methods" and top.text_rank > 0
    articles["Payment methods"].published = False
    articles["Payment methods"].save()
    article_index(article=articles["Payment methods"])
    assert "Payment methods" not in [p.title for p in kb_search(query="Mastercard", k=8)]
    assert not ArticleChunk.objects.filter(article=articles["Payment methods"]).exists()


def test_search_runs_in_a_fixed_number_of_queries():
    kb_load()
    with CaptureQueriesContext(connection) as queries:
        kb_search(query="When will my parcel arrive?", k=4)
    assert len(queries) == 3


def test_only_changed_articles_are_embedded_again():
    articles = kb_load()
    with mock.patch.object(knowledge, "texts_embed", wraps=knowledge.texts_embed) as embed:
        job = IndexJob.objects.create(kind=IndexJob.Kind.REINDEX)
        knowledge.kb_reindex(job=job)
        assert embed.call_count == 0 and job.changed == 0

        article = articles["Shipping times"]
        article.body += "\n\nWe do not ship on public holidays."
        article.save()
        job = IndexJob.objects.create(kind=IndexJob.Kind.REINDEX)
        knowledge.kb_reindex(job=job)
    assert embed.call_count == 1 and job.changed == 1
    assert job.state == IndexJob.State.DONE and job.done == job.total == len(articles) and job.percent == 100
    assert "public holidays" in " ".join(ArticleChunk.objects.filter(article=article).values_list("text", flat=True))


def test_a_reindex_job_runs_in_celery_after_commit(django_capture_on_commit_callbacks):
    Article.objects.create(title="Opening hours", body="We answer from 8 to 18, Monday to Friday.")
    with django_capture_on_commit_callbacks(execute=True):
        job = index_job_start()
    job.refresh_from_db()
    assert job.state == IndexJob.State.DONE and job.changed == 1
    assert kb_search(query="when are you open?", k=1)[0].title == "Opening hours"


def test_long_articles_are_split_on_paragraphs_with_their_title():
    body = "\n\n".join(f"## Part {i}\n\n" + "word " * 120 for i in range(5))
    chunks = article_chunks_split(title="Guide", body=body)
    assert len(chunks) > 2
    assert all(c.startswith("Guide") for c in chunks)
    assert all(len(c) < knowledge.CHUNK_CHARS + 800 for c in chunks)


def test_the_embeddings_api_is_used_through_the_sdk_when_configured(settings, openai_standin):
    settings.AI_EMBEDDINGS = "api"
    article = Article.objects.create(title="Gift cards", body="Gift cards never expire.")
    assert article_index(article=article)
    chunk = ArticleChunk.objects.get(article=article)
    assert len(chunk.embedding) == 384
    request = next(r for r in openai_standin.requests if r["path"].endswith("/embeddings"))
    assert request["body"]["dimensions"] == 384 and request["body"]["model"] == settings.AI_EMBEDDING_MODEL
    call = LLMCall.objects.get(purpose="embed")
    assert call.outcome == LLMCall.Outcome.OK and call.prompt_tokens > 0
    # A different embedding model means different vectors: everything is embedded again.
    assert article_index(article=Article.objects.get(pk=article.pk)) is False
    settings.AI_EMBEDDINGS = "local"
    assert article_index(article=Article.objects.get(pk=article.pk)) is True
