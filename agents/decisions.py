"""Every inbound message gets its decision signals, without text generation, in milliseconds.

Language (offline identification), intent (nearest labelled examples through a small linear
head over multilingual sentence vectors), the reasons a human must own the conversation (each
a score, each backed by editable examples), urgency, and whether the knowledge base answers it
(retrieval confidence). Stored on ``message.classification`` with the nearest examples, so the
conversation can show why and routing rules can read them as data.

Only a decision inside the uncertain band may ask a model, and only a capable one an admin
configured; without one, uncertain means a person looks at it.
"""

import logging
import time
from dataclasses import replace

import numpy as np
from django.conf import settings
from django.db import DatabaseError

from agents.ai_config import ai_config
from agents.embeddings import texts_embed
from agents.examples import (
    HUMAN_REASONS,
    ROUTINE,
    URGENT,
    DecisionModel,
    decision_model,
    examples_defaults_load,
)
from agents.knowledge import Passage, articles_mean_vector, kb_search
from agents.language import language_detect
from agents.llm import LLMError, chat_structured
from agents.models import Example, SensitiveTopic
from inbox.models import Message

log = logging.getLogger(__name__)

ENGINE = "examples-v1"
TEXT_LIMIT = 2000
# Messages that ask nothing of the knowledge base: no article is expected to "answer" a thank-you.
NO_KB_INTENTS = ("thanks", "human_request")
OFF_TOPIC_INTENT = "other"
# Articles are ranked by their passage's evidence plus this times how much the article's topic (the
# intents its passages read like) matches the message's likely intents: the intents' examples are
# questions in five languages, so this bridges a question and an article in different languages
# where their sentence vectors barely meet ("qual o email do suporte" and the contact article).
TOPIC_WEIGHT = 0.18
RERANK_POOL = 5


def message_decide(*, message: Message, deadline: float | None = None) -> dict:
    """Compute ``message``'s decision signals, store them on ``message.classification`` and return
    them. Never raises: a failure is stored as {"error": ...} and the message flows on (rules skip it)."""
    try:
        result = text_decide(text=message.text or "", hint=_language_hint(message), deadline=deadline)
    except (LLMError, DatabaseError, ValueError) as exc:
        log.warning("decision for message %s failed: %s", message.pk, exc)
        result = {"error": str(exc)[:300] or type(exc).__name__}
    except Exception as exc:  # the contract: never block the message
        log.exception("decision for message %s crashed", message.pk)
        result = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    try:
        Message.objects.filter(pk=message.pk).update(classification=result)
        message.classification = result
    except DatabaseError as exc:
        log.warning("could not store the decision of message %s: %s", message.pk, exc)
    return result


def text_decide(*, text: str, hint: str = "", deadline: float | None = None) -> dict:
    """The signals for one customer text (pure with respect to writes, so the rule tester can use it)."""
    started = time.perf_counter()
    text = text.strip()[:TEXT_LIMIT]
    language, language_confidence = language_detect(text, hint=hint)
    if not Example.objects.exists():
        examples_defaults_load()
    model = decision_model()
    vector = texts_embed([text or "(empty)"])[0]
    array = np.asarray(vector, dtype=np.float32)
    intents = model.intents(array)
    reasons = model.reason_head.predict(array) if model.reason_head else {ROUTINE: 1.0}
    urgent = (model.urgency_head.predict(array) if model.urgency_head else {}).get(URGENT, 0.0)
    intent = max(intents, key=intents.__getitem__, default="other")

    signals = {name: round(reasons.get(name, 0.0), 3) for name in HUMAN_REASONS}
    human_score = 1.0 - reasons.get(ROUTINE, 0.0)
    topic = _sensitive_topic(text)
    kb = _kb_best(text, language, array, intents, model) if intent not in NO_KB_INTENTS else None
    threshold = settings.AI_MIN_RETRIEVAL_SCORE
    signals["unanswerable"] = round(1.0 - kb["answers"], 3) if kb else 0.0
    signals["urgent"] = round(urgent, 3)

    config = ai_config()
    human_reasons = [name for name in HUMAN_REASONS if signals[name] >= settings.AI_REASON_THRESHOLD]
    if human_score >= settings.AI_REASON_THRESHOLD and not human_reasons:
        human_reasons = [max(HUMAN_REASONS, key=signals.__getitem__)]
    if topic:
        human_reasons.append("sensitive_topic")
    if kb is not None and kb["answers"] < threshold and not human_reasons:
        human_reasons.append("unanswerable")
    decided_by = "examples"
    uncertain = not topic and config.band_low <= human_score <= config.band_high
    if uncertain:
        verdict = _ask_capable_model(text, deadline) if config.decision_model else None
        if verdict is None:
            human_reasons = human_reasons or ["uncertain"]
            decided_by = "uncertain, so a person"
        else:
            human_reasons = [r for r in human_reasons if r in ("unanswerable",)] + verdict
            decided_by = f"model {config.decision_model}"
    negative = signals["negative"]
    return {
        "engine": ENGINE,
        "language": language,
        "language_confidence": language_confidence,
        "intent": intent,
        "confidence": round(intents.get(intent, 0.0), 3),
        "sentiment": "negative" if negative >= settings.AI_REASON_THRESHOLD else (
            "positive" if intent == "thanks" else "neutral"),
        "sentiment_confidence": round(max(negative, 1.0 - negative), 3),
        "urgency": "high" if urgent >= settings.AI_REASON_THRESHOLD else "normal",
        "urgency_confidence": round(max(urgent, 1.0 - urgent), 3),
        "signals": signals,
        "human_score": round(human_score, 3),
        "human_reasons": human_reasons,
        "owner": "human" if human_reasons else "ai",
        "uncertain": uncertain,
        "decided_by": decided_by,
        "sensitive_topic": topic or "",
        "kb": kb or {},
        "answer_threshold": threshold,
        "nearest": model.neighbours(array),
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }  # fmt: skip


def _language_hint(message: Message) -> str:
    """The customer's language so far: a short "merci" after French messages is French."""
    customer = message.conversation.customer if message.conversation_id else None
    return (customer.language if customer else "") or ""


def _sensitive_topic(text: str) -> str:
    folded = text.casefold()
    return next((p for p in SensitiveTopic.objects.values_list("phrase", flat=True) if p.casefold() in folded), "")


def kb_passages(
    *,
    text: str,
    language: str,
    k: int | None = None,
    vector: np.ndarray | None = None,
    intents: dict | None = None,
    model: DecisionModel | None = None,
) -> list[Passage]:
    """The knowledge base's passages for a customer's text: the decision, the AI agent's answer and the
    copilot's draft look at the same ones. The best few articles are ranked again by their evidence
    and how well their topic matches the text's likely intents (TOPIC_WEIGHT). When that finds nothing
    that answers, the likeliest intent's own examples search too: when they find the same article, its
    score is theirs scaled by how likely that intent is. "diff basic vs plus?" says too little for the
    passage, but is a pricing question, and the pricing examples find the article that answers those."""
    model = model or decision_model()
    if vector is None:
        vector = np.asarray(texts_embed([text or "(empty)"])[0], dtype=np.float32)
    if intents is None:
        intents = model.intents(vector)
    pool = kb_search(query=text, language=language, k=max(k or 0, RERANK_POOL), vector=vector.tolist())
    passages = _topics_rerank(pool, intents, model)[: k or settings.AI_RETRIEVAL_TOP_K]
    best = passages[0].score if passages else 0.0
    intent = max(intents, key=intents.__getitem__, default="")
    if best >= settings.AI_MIN_RETRIEVAL_SCORE or intent not in model.centroids:
        return passages
    by_intent = kb_search(query=text, language=language, k=RERANK_POOL, vector=model.centroids[intent].tolist())
    # The intent's examples vouch for the text's own best article (their score for it, scaled by how
    # likely the intent is); they never bring another one: a question about jobs whose likeliest topic
    # is privacy is not answered by the privacy article.
    vouched = next((p for p in by_intent if passages and p.original_id == passages[0].original_id), None)
    confirmed = vouched.score * intents[intent] if vouched else 0.0
    if confirmed > best:
        return [replace(passages[0], score=confirmed), *passages[1:]]
    return passages


def _topics_rerank(passages: list[Passage], intents: dict[str, float], model: DecisionModel) -> list[Passage]:
    if len(passages) < 2 or model.intent_head is None or not intents:
        return passages
    means = articles_mean_vector(article_ids={p.original_id for p in passages})

    def topic(passage: Passage) -> float:
        mean = means.get(passage.original_id)
        if mean is None:
            return 0.0
        profile = model.intents(mean)
        return sum(p * profile.get(label, 0.0) for label, p in intents.items())

    return sorted(passages, key=lambda p: p.evidence + TOPIC_WEIGHT * topic(p), reverse=True)


def _kb_best(text: str, language: str, vector: np.ndarray, intents: dict[str, float], model: DecisionModel) -> dict:
    """The best article and whether it answers: its retrieval score times the chance that the message
    is about one of the topics at all (a question unlike every intent's examples, "are you hiring?",
    is "other", and a passage that happens to share its words does not answer it)."""
    passages = kb_passages(text=text, language=language, k=1, vector=vector, intents=intents, model=model)
    on_topic = 1.0 - intents.get(OFF_TOPIC_INTENT, 0.0)
    if not passages:
        return {"score": 0.0, "on_topic": round(on_topic, 3), "answers": 0.0}
    best = passages[0]
    return {
        "article_id": best.article_id,
        "title": best.title,
        "score": round(best.score, 3),
        "on_topic": round(on_topic, 3),
        "answers": round(best.score * on_topic, 3),
    }


CAPABLE_SCHEMA = {
    "type": "object",
    "properties": {
        "needs_human": {"type": "boolean"},
        "reason": {"type": "string", "enum": ["none", *HUMAN_REASONS]},
    },
    "required": ["needs_human", "reason"],
    "additionalProperties": False,
}


def _ask_capable_model(text: str, deadline: float | None) -> list[str] | None:
    """The configured capable model's verdict for an uncertain message: [] (routine) or [reason].
    None when it cannot say in time; the caller then leaves it to a person."""
    config = ai_config()
    budget = time.time() + settings.AI_DECISION_MODEL_SECONDS
    messages = [
        {
            "role": "system",
            "content": "You triage customer support messages. A routine question (shipping, returns, "
            "cancellation, opening hours, order tracking, password, pricing, privacy policy) does not need a "
            "human. A human is needed for: negative (anger, complaint), sensitive (legal threat, data deletion "
            "demand, fraud, chargeback, safety), asks_human, complex_account (ownership transfer, merging or "
            "closing business accounts, many changes), vip_sales (quotes, bulk orders, contracts).",
        },
        {"role": "user", "content": text[:1500]},
    ]
    try:
        verdict = chat_structured(
            purpose="decide",
            messages=messages,
            schema=CAPABLE_SCHEMA,
            schema_name="triage",
            model=config.decision_model,
            deadline=min(deadline or budget, budget),
        )
    except LLMError as exc:
        log.info("the capable model did not decide: %s", exc)
        return None
    reason = verdict.get("reason")
    if not verdict.get("needs_human"):
        return []
    return [reason if reason in HUMAN_REASONS else "uncertain"]
