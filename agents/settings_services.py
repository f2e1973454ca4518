"""Admin writes to the AI settings (knowledge base, intents, sensitive topics), each audited.

Article bodies can be long: the audit keeps a hash and the length of the body, the title and
whether it is published, which says what changed without copying the article into the log.
"""

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from agents.knowledge import index_job_start
from agents.models import Article, Intent, SensitiveTopic
from inbox.audit.services import audit_record


def _article_snapshot(article: Article) -> dict:
    body = article.body or ""
    return {
        "title": article.title,
        "published": article.published,
        "body_chars": len(body),
        "body_sha256": hashlib.sha256(body.encode()).hexdigest()[:16],
    }


def article_save(*, article: Article, actor: AbstractBaseUser) -> Article:
    """Save an (already validated) article and reindex what changed."""
    with transaction.atomic():
        stored = Article.objects.select_for_update().filter(pk=article.pk).first() if article.pk else None
        before = _article_snapshot(stored) if stored else None
        article.save()
        after = _article_snapshot(article)
        if after != before:
            action = "article.updated" if stored else "article.created"
            if stored and stored.published != article.published:
                action = "article.published" if article.published else "article.unpublished"
            audit_record(actor=actor, action=action, target=article, before=before, after=after)
        index_job_start()  # only the changed article is embedded again
    return article


def article_delete(*, article: Article, actor: AbstractBaseUser) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="article.deleted", target=article, before=_article_snapshot(article))
        article.delete()


def intent_save(*, intent: Intent, actor: AbstractBaseUser) -> Intent:
    with transaction.atomic():
        intent.save()
        after = {"name": intent.name, "description": intent.description, "active": intent.active}
        audit_record(actor=actor, action="intent.created", target=intent, after=after)
    return intent


def intent_active_set(*, intent: Intent, active: bool, actor: AbstractBaseUser) -> Intent:
    with transaction.atomic():
        before = {"active": intent.active}
        intent.active = active
        intent.save(update_fields=["active"])
        audit_record(actor=actor, action="intent.updated", target=intent, before=before, after={"active": active})
    return intent


def topic_save(*, topic: SensitiveTopic, actor: AbstractBaseUser) -> SensitiveTopic:
    with transaction.atomic():
        topic.save()
        audit_record(actor=actor, action="topic.created", target=topic, after={"phrase": topic.phrase})
    return topic


def topic_delete(*, topic: SensitiveTopic, actor: AbstractBaseUser) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="topic.deleted", target=topic, before={"phrase": topic.phrase})
        topic.delete()
