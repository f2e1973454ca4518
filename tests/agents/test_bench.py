import pytest
from django.core.management import call_command

from agents.models import Article, ArticleChunk

pytestmark = pytest.mark.django_db


def test_the_benchmark_reports_timings_and_leaves_no_data(capsys):
    call_command("ai_bench", chunks=40, queries=3)
    out = capsys.readouterr().out
    assert "40 chunks in 10 articles" in out and "retrieval + prompt total: median" in out
    assert not Article.objects.exists() and not ArticleChunk.objects.exists()
