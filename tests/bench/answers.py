"""The AI agent's answers on the demo knowledge base, with the real local model (agents/answer.py).

For FAQ questions in the five languages whose answer is a number in an article: how often the final
reply states that fact and carries the article link, how often the extractive fallback fires (and
why), how often nobody is answered, and the latency of answer_compose (model call included). The
articles are rolled back, and articles already in the database are hidden meanwhile.

    bench_answers(base_url="http://127.0.0.1:8799/v1")   # a llama.cpp/xllamacpp server with Qwen
"""

import functools
import time
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.test import override_settings

from agents.answer import answer_compose
from agents.decisions import kb_passages
from agents.grounding import quantities_find
from agents.models import Article
from tests.agents.kb import (
    DUPLICATE,
    HOURS,
    PASSWORD,
    PRICING,
    RETURNS,
    SHIPPING,
    demo_kb_load,
    labelled_kb_load,
    labelled_set,
)
from tests.bench.report import percentiles

CHANNELS = ("whatsapp", "chat", "email", "sms")

# (language, question, title of the English original, the fact: each set holds the values one number may take)
FAQ = [
    ("en", "How long do I have to return something?", RETURNS, [{30}]),
    ("en", "How much does express shipping cost?", SHIPPING, [{19.95}]),
    ("en", "What is the minimum length of a new password?", PASSWORD, [{10}]),
    ("en", "How long until a duplicate card hold disappears?", DUPLICATE, [{3}, {5}]),
    ("es", "¿Cuánto tarda el envío a Canadá?", SHIPPING, [{5}, {8}]),
    ("es", "¿Cuántos días tengo para devolver un artículo?", RETURNS, [{30}]),
    ("es", "¿Cuánto cuesta la etiqueta de devolución desde la UE?", RETURNS, [{7.5}]),
    ("es", "¿Cuánto cuesta el plan Business al mes?", PRICING, [{149}]),
    ("de", "Wie lange dauert der Versand in die EU?", SHIPPING, [{4}, {7}]),
    ("de", "Wie viele Tage habe ich Zeit für eine Rücksendung?", RETURNS, [{30}]),
    ("de", "Wie lange ist der Link zum Zurücksetzen des Passworts gültig?", PASSWORD, [{1, 60}]),
    ("de", "Was kostet der Plus-Plan im Monat?", PRICING, [{39}]),
    ("fr", "Combien coûte la formule Basic ?", PRICING, [{19}]),
    ("fr", "Combien de temps ai-je pour retourner un article ?", RETURNS, [{30}]),
    ("fr", "À quelle heure ferme le chat le samedi ?", HOURS, [{4, 16}]),
    ("fr", "Combien de temps prend la livraison au Royaume-Uni ?", SHIPPING, [{4}, {7}]),
    ("pt", "Quanto tempo demora a entrega para Portugal?", SHIPPING, [{4}, {7}]),
    ("pt", "Quanto custa o plano Plus por mês?", PRICING, [{39}]),
    ("pt", "Quanto tempo tenho para devolver um produto?", RETURNS, [{30}]),
    ("pt", "Em quantos dias úteis recebo o reembolso de uma cobrança duplicada?", DUPLICATE, [{2}]),
]


class _Rollback(Exception):
    pass


def bench_answers(*, base_url: str = "", model: str = "local", limit: int | None = None, kb: str = "demo") -> dict:
    """Run the FAQ through kb_passages + answer_compose against ``base_url`` (default: the configured model).
    ``kb``: "demo" (FAQ above) or another business's set (tests/agents/kb.py OTHER_BUSINESSES)."""
    if kb == "demo":
        load, faq = demo_kb_load, FAQ
    else:
        load, faq = functools.partial(labelled_kb_load, kb), labelled_set(kb)["faq"]
    overrides = {"OPENAI_BASE_URL": base_url, "AI_CHAT_MODEL": model, "AI_TIMEOUT_SECONDS": 90} if base_url else {}
    result: dict = {}
    with override_settings(**overrides):
        try:
            with transaction.atomic():
                Article.objects.update(published=False)  # only the demo articles count (rolled back)
                result = _measure(load, faq[:limit])
                result["title"] = f"AI agent answers, {kb} articles (kb_passages + answer_compose, real model)"
                raise _Rollback
        except _Rollback:
            pass
    return result


def _states(body: str, language: str, fact: list[set[float]]) -> bool:
    values = {v for q in quantities_find(body, language) for v in q.values}
    return all(values & {float(x) for x in wanted} for wanted in fact)


def _measure(load, faq: list) -> dict:
    articles = load()
    kb_passages(text="warm-up", language="en")  # loads the encoder, the language identifier and the heads
    rows, timings = [], []
    methods: Counter = Counter()
    reasons: Counter = Counter()
    for i, (language, question, title, fact) in enumerate(faq):
        channel = CHANNELS[i % len(CHANNELS)]
        found = [p for p in kb_passages(text=question, language=language, k=3)
                 if p.score >= settings.AI_MIN_RETRIEVAL_SCORE]  # fmt: skip
        started = time.perf_counter()
        answer = answer_compose(
            question=question, passages=found, language=language, channel=channel, procedures=[],
            conversation_id=None, deadline=time.time() + 90,
        )  # fmt: skip
        timings.append((time.perf_counter() - started) * 1000)
        method = answer.method or "handoff"
        methods[method] += 1
        if answer.method != "generated":
            reasons[answer.check.get("fallback") or answer.handoff_reason or "?"] += 1
        expected = articles[title]
        linked = bool(answer.citations) and answer.text.endswith(answer.citations[-1]["url"])
        right_article = any(
            c["article_id"] in {expected.pk, *expected.translations.values_list("pk", flat=True)}
            for c in answer.citations
        )
        rows.append({
            "language": language, "channel": channel, "question": question, "method": method,
            "states_fact": _states(answer.body, language, fact), "linked": linked, "right_article": right_article,
            "ms": round(timings[-1]), "text": answer.text, "model_raw": (answer.check.get("model") or {}).get("raw"),
            "failures": answer.check.get("failures", []), "handoff_reason": answer.handoff_reason,
        })  # fmt: skip
    n = len(rows)
    good = sum(r["states_fact"] and r["linked"] for r in rows)
    stats = percentiles(timings)
    return {
        "questions": n,
        "fact_and_link_pct": round(100 * good / n, 1) if n else 0.0,
        "methods": dict(methods),
        "fallback_pct": round(100 * methods["extractive"] / n, 1) if n else 0.0,
        "handoff_pct": round(100 * methods["handoff"] / n, 1) if n else 0.0,
        "reasons": dict(reasons),
        "latency_ms": {"p50": stats["p50"], "p95": stats["p95"], "max": stats["max"]},
        "rows": rows,
    }
