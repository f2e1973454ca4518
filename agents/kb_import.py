"""Import a folder of .md / .html files as articles (upsert by file path), with progress on the job.

The language comes from the name when it says it (``returns.es.md``, or a folder named ``es/``),
else from the text; ``returns.es.md`` is filed as the translation of ``returns.md``.
"""

import html as html_lib
import re
from pathlib import PurePosixPath

import nh3
from django.db.models import F
from django.utils import timezone

from agents.knowledge import article_index
from agents.language import language_detect
from agents.models import Article, IndexJob

ALLOWED = {".md", ".markdown", ".html", ".htm"}
MAX_FILES = 500
MAX_BYTES = 1_000_000
LANGUAGES = set(Article.Language.values)
DETECT_CONFIDENCE = 0.9
LANGUAGE_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<language>[a-z]{2})$")
BLOCK_TAGS = re.compile(r"</?(p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|pre)[^>]*>", re.IGNORECASE)


def import_files_check(files: list[tuple[str, bytes]]) -> tuple[list[dict], list[str]]:
    """Keep the importable files as [{name, content}]; say why others were skipped. Nothing is stored."""
    kept, skipped = [], []
    for name, data in files[:MAX_FILES]:
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in ALLOWED:
            skipped.append(f"{name}: not a .md or .html file")
        elif len(data) > MAX_BYTES:
            skipped.append(f"{name}: larger than 1 MB")
        else:
            try:
                kept.append({"name": name[:500], "content": data.decode("utf-8")})
            except UnicodeDecodeError:
                skipped.append(f"{name}: not UTF-8 text")
    if len(files) > MAX_FILES:
        skipped.append(f"only the first {MAX_FILES} files are imported at once")
    return kept, skipped


def html_to_markdown_text(source: str) -> tuple[str, str]:
    """(title, text) of an HTML page: headings become markdown headings, tags are dropped."""
    title_match = re.search(r"<h1[^>]*>(.*?)</h1>|<title[^>]*>(.*?)</title>", source, re.IGNORECASE | re.DOTALL)
    title = nh3.clean(next((g for g in title_match.groups() if g), ""), tags=set()) if title_match else ""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", source, flags=re.IGNORECASE | re.DOTALL)
    body = re.sub(r"<h([1-6])[^>]*>", lambda m: "\n\n" + "#" * int(m.group(1)) + " ", body, flags=re.IGNORECASE)
    body = BLOCK_TAGS.sub("\n\n", body)
    body = html_lib.unescape(nh3.clean(body, tags=set()))
    body = re.sub(r"\n\s*\n+", "\n\n", body).strip()
    return html_lib.unescape(title).strip(), body


def file_to_article_fields(*, name: str, content: str) -> tuple[str, str]:
    if PurePosixPath(name).suffix.lower() in (".html", ".htm"):
        title, body = html_to_markdown_text(content)
    else:
        body = content.strip()
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = heading.group(1).strip() if heading else ""
    return (title or PurePosixPath(name).stem.replace("-", " ").replace("_", " ").capitalize())[:200], body


def file_language(name: str) -> tuple[str, str]:
    """(language, path of the original it translates, or "") as the file's name states them."""
    path = PurePosixPath(name)
    named = LANGUAGE_SUFFIX.match(path.stem)
    if named and named["language"] in LANGUAGES:
        original = str(path.with_name(named["stem"] + path.suffix))
        return named["language"], original if named["language"] != Article.Language.EN else ""
    folder = next((part.lower() for part in path.parts[:-1] if part.lower() in LANGUAGES), "")
    return folder, ""


def _text_language(text: str) -> str:
    """The article's language from its text; English unless the identifier is sure (short files are guesses)."""
    language, confidence = language_detect(text[:2000])
    return language if confidence >= DETECT_CONFIDENCE else Article.Language.EN


def kb_import(*, job: IndexJob) -> IndexJob:
    # Originals first, so a translation in the same import finds the article it translates.
    files = sorted(job.payload or [], key=lambda item: bool(file_language(item["name"])[1]))
    IndexJob.objects.filter(pk=job.pk).update(state=IndexJob.State.RUNNING, total=len(files), done=0)
    changed = 0
    for item in files:
        title, body = file_to_article_fields(name=item["name"], content=item["content"])
        language, original_path = file_language(item["name"])
        language = language or _text_language(f"{title}\n{body}")
        original = (
            Article.objects.filter(source_path=original_path).values_list("pk", flat=True).first()
            if original_path
            else None
        )
        fields = {"title": title, "body": body, "language": language, "translation_of_id": original}
        article, created = Article.objects.get_or_create(source_path=item["name"], defaults=fields)
        if not created and any(getattr(article, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(article, key, value)
            article.save(update_fields=[*fields, "updated_at"])
        changed += article_index(article=article) or created
        IndexJob.objects.filter(pk=job.pk).update(done=F("done") + 1, changed=changed)
    IndexJob.objects.filter(pk=job.pk).update(state=IndexJob.State.DONE, finished_at=timezone.now(), payload=[])
    job.refresh_from_db()
    return job
