"""AI demo data for `make run`: procedures, sensitive topics, and the demo articles embedded."""

from agents.knowledge import article_index
from agents.models import Article, Intent, Procedure, SensitiveTopic
from agents.procedures import procedure_save

PROCEDURES = [
    ("Tone and limits", None, True, "Be warm and brief. Never promise refunds, discounts or delivery dates that "
     "the articles do not state. Sign as 'the support team'."),
    ("Refund requests", "refund", False, "Refund requests: ask for the order number, then hand off to Billing."),
]  # fmt: skip
TOPICS = ["lawyer", "chargeback", "data breach", "legal action"]


def ai_demo_load() -> dict[str, int]:
    """Idempotent: safe to run on every start."""
    for name, intent, is_global, text in PROCEDURES:
        procedure, _ = Procedure.objects.get_or_create(
            name=name, defaults={"is_global": is_global, "intent": Intent.objects.filter(name=intent).first()}
        )
        if procedure.current is None:
            procedure_save(procedure=procedure, instructions=text)
    for phrase in TOPICS:
        SensitiveTopic.objects.get_or_create(phrase=phrase)
    indexed = sum(article_index(article=article) for article in Article.objects.all())
    return {"AI procedures": Procedure.objects.count(), "articles embedded": indexed}
