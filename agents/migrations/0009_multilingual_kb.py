"""Multilingual knowledge base: articles get a language and may translate another article; the
vectors move from MiniLM (384-d) to the multilingual Universal Sentence Encoder (512-d), stored
inline and searched exactly (no HNSW index).

Old vectors cannot be converted, so the chunks are dropped and every article is marked as not
indexed: the next reindex (the demo loader runs one on start, the settings page offers one)
embeds everything again.
"""

import django.db.models.deletion
import pgvector.django.vector
from django.conf import settings
from django.db import migrations, models


def chunks_drop(apps, schema_editor):
    apps.get_model("agents", "ArticleChunk").objects.all().delete()
    apps.get_model("agents", "Article").objects.update(indexed_hash="")


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0008_examples"),
    ]

    operations = [
        # Rows first: a vector(384) value cannot be cast to vector(512).
        migrations.RunPython(chunks_drop, migrations.RunPython.noop),
        # Search scans exactly (see ArticleChunk.Meta): the approximate index goes.
        migrations.RemoveIndex(model_name="articlechunk", name="agents_chunk_embedding_hnsw"),
        migrations.AlterField(
            model_name="articlechunk",
            name="embedding",
            # The column's size follows the configured embedding size, as the model does.
            field=pgvector.django.vector.VectorField(dimensions=settings.AI_EMBEDDING_DIMENSIONS),
        ),
        # 512 floats (2 kB) cross the TOAST threshold: stored out of line, every exact scan
        # detoasts each vector (21 ms at 10k chunks); inline it takes 6 ms. After the type change,
        # which resets the storage.
        migrations.RunSQL(
            "ALTER TABLE agents_articlechunk ALTER COLUMN embedding SET STORAGE PLAIN",
            "ALTER TABLE agents_articlechunk ALTER COLUMN embedding SET STORAGE EXTERNAL",
        ),
        migrations.AddField(
            model_name="article",
            name="language",
            field=models.CharField(
                choices=[
                    ("en", "English"),
                    ("es", "Spanish"),
                    ("de", "German"),
                    ("pt", "Portuguese"),
                    ("fr", "French"),
                ],
                default="en",
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="translation_of",
            field=models.ForeignKey(
                blank=True,
                help_text="The article this one translates (blank for an original)",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="translations",
                to="agents.article",
            ),
        ),
        # Backwards, this runs first: 512-d vectors cannot go back to 384 either.
        migrations.RunPython(migrations.RunPython.noop, chunks_drop),
    ]
