"""Knowledge-base retrieval quality and speed on labelled sets (tests/agents/kb.py): the demo
articles' calibration and held-out questions, and another business's unseen articles and questions.

Per language: top-1 / top-3 (the right original article, in any of its languages), answerable
questions scored under the answer threshold, unanswerable ones over it; and the retrieval's time
per question, query encoding included (what a message pays). The articles are rolled back, and
articles already in the database are hidden meanwhile.
"""

import functools
import time
from collections import defaultdict

from django.conf import settings
from django.db import transaction

from agents.decisions import kb_passages
from agents.language import language_detect
from agents.models import Article
from tests.agents.kb import (
    DEMO_HELDOUT_QUESTIONS,
    DEMO_HELDOUT_UNANSWERABLE,
    DEMO_QUESTIONS,
    DEMO_UNANSWERABLE,
    OTHER_BUSINESSES,
    demo_kb_load,
    labelled_kb_load,
    labelled_set,
)
from tests.bench.report import percentiles, table


class _Rollback(Exception):
    pass


def _labelled_questions(name: str) -> tuple[list, list]:
    found = labelled_set(name)
    return found["questions"], found["unanswerable"]


# name: (what it is, the knowledge base's loader, its answerable and unanswerable questions)
SETS = {
    "calibration": ("demo articles, calibration questions", demo_kb_load, lambda: (DEMO_QUESTIONS, DEMO_UNANSWERABLE)),
    "held-out": ("demo articles, held-out questions", demo_kb_load,
                 lambda: (DEMO_HELDOUT_QUESTIONS, DEMO_HELDOUT_UNANSWERABLE)),
    **{name: (f"another business's articles ({name})", functools.partial(labelled_kb_load, name),
              functools.partial(_labelled_questions, name)) for name in OTHER_BUSINESSES},
}  # fmt: skip


def bench_kb(*, threshold: float | None = None, detect_language: bool = False, name: str = "calibration") -> dict:
    """Measure on one labelled set (SETS). ``detect_language`` identifies the language from the question."""
    what, load, questions = SETS[name]
    answerable, unanswerable = questions()
    result: dict = {}
    try:
        with transaction.atomic():
            Article.objects.update(published=False)  # only the set's articles count (rolled back)
            result = _measure(
                threshold=settings.AI_ANSWER_THRESHOLD if threshold is None else threshold,
                detect_language=detect_language, load=load, questions=answerable, unanswerable=unanswerable,
            )  # fmt: skip
            result["title"] = f"KB retrieval on the {what} (threshold {result['threshold']}, " + (
                "detected language)" if detect_language else "given language)"
            )
            raise _Rollback
    except _Rollback:
        pass
    return result


def _measure(*, threshold: float, detect_language: bool, load, questions: list, unanswerable: list) -> dict:
    articles = load()
    versions: dict[int, set[str]] = defaultdict(set)
    for article in articles.values():
        versions[article.translation_of_id or article.pk].add(article.language)
    kb_passages(text="warm-up", language="en")  # loads the encoder, the examples' heads: the bench times searches
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    timings, misses, scored, unscored = [], [], [], []

    def search(language: str, question: str):
        started = time.perf_counter()
        found = kb_passages(text=question, language=language_detect(question)[0] if detect_language else language, k=3)
        timings.append((time.perf_counter() - started) * 1000)
        return found

    for language, question, title in questions:
        found = search(language, question)
        expected = articles[title].pk
        ranked = [p.original_id for p in found]
        score = found[0].score if found else 0.0
        row = tally[language]
        row["answerable"] += 1
        row["top1"] += ranked[:1] == [expected]
        row["top3"] += expected in ranked
        row["under"] += score < threshold
        # Was the customer's language returned whenever the right article has a version in it?
        if found and found[0].original_id == expected and language in versions[expected]:
            row["has_version"] += 1
            row["in_language"] += found[0].language == language
        right = next((p for p in found if p.original_id == expected), None)
        scored.append({"language": language, "question": question, "score": round(score, 3),
                           "similarity": round(right.similarity, 3) if right else None,
                           "text_rank": round(right.text_rank, 4) if right else None})  # fmt: skip
        if ranked[:1] != [expected] or score < threshold:
            misses.append({"language": language, "question": question, "expected": title,
                           "got": [(p.title, round(p.score, 3)) for p in found]})  # fmt: skip
    for language, question in unanswerable:
        found = search(language, question)
        score = found[0].score if found else 0.0
        row = tally[language]
        row["unanswerable"] += 1
        row["over"] += score >= threshold
        unscored.append({"language": language, "question": question, "score": round(score, 3),
                             "top": found[0].title if found else "",
                             "similarity": round(found[0].similarity, 3) if found else None,
                             "text_rank": round(found[0].text_rank, 4) if found else None})  # fmt: skip
        if score >= threshold:
            misses.append({"language": language, "question": question, "expected": None,
                           "got": [(p.title, round(p.score, 3)) for p in found]})  # fmt: skip

    rows = []
    for language in [*sorted(tally), "all"]:
        counts = tally[language] if language != "all" else _sum(tally.values())
        n, m = counts["answerable"], counts["unanswerable"]
        rows.append({"language": language, "answerable": n, "top1_pct": _pct(counts["top1"], n),
                     "top3_pct": _pct(counts["top3"], n), "answerable_under": counts["under"],
                     "unanswerable": m, "unanswerable_over": counts["over"],
                     "unanswerable_under_pct": _pct(m - counts["over"], m),
                     "in_language": f"{counts['in_language']}/{counts['has_version']}"})  # fmt: skip
    stats = percentiles(timings)
    lowest_answerable = min(a["score"] for a in scored)
    highest_unanswerable = max(u["score"] for u in unscored)
    return {
        "threshold": threshold,
        "rows": rows,
        "search_ms": {"p50": stats["p50"], "p95": stats["p95"], "max": stats["max"], "n": stats["n"]},
        "lowest_answerable_score": lowest_answerable,
        "highest_unanswerable_score": highest_unanswerable,
        "misses": misses,
        "answerable": scored,
        "unanswerable": unscored,
    }


def _sum(rows) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        for key, value in row.items():
            total[key] += value
    return total


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


COLUMNS = ["language", "answerable", "top1_pct", "top3_pct", "answerable_under", "unanswerable", "unanswerable_over",
           "unanswerable_under_pct", "in_language"]  # fmt: skip


def kb_table(result: dict) -> str:
    """The per-language table, the search times and what was missed, for people."""
    ms = result["search_ms"]
    misses = "\n".join(f"  miss: {m['language']} {m['question']!r} -> {m['got'][:2]}" for m in result["misses"])
    return (f"{result['title']}\n{table(result['rows'], COLUMNS)}\n"
            f"kb_passages incl. query encoding: p50 {ms['p50']} ms, p95 {ms['p95']} ms (n={ms['n']}); "
            f"lowest answerable score {result['lowest_answerable_score']}, "
            f"highest unanswerable {result['highest_unanswerable_score']}"
            + (f"\n{misses}" if misses else ""))  # fmt: skip
