"""Every inbound message gets an intent, sentiment, urgency and language, with a confidence.

Structured output (response_format json_schema) keeps the answer machine-readable. The intent
list is the admin-editable Intent table. Classification never blocks a message: any failure is
stored as {"error": ...} and the message flows on.
"""

import logging

from django.db import DatabaseError

from agents.llm import LLMError, chat_structured
from agents.models import Intent
from agents.status import ai_status
from inbox.models import Message

log = logging.getLogger(__name__)

SENTIMENTS = ["negative", "neutral", "positive"]
URGENCIES = ["low", "normal", "high"]
# Models sometimes answer with a name instead of the ISO 639-1 code.
LANGUAGE_NAMES = {
    "english": "en", "spanish": "es", "español": "es", "french": "fr", "français": "fr", "german": "de",
    "deutsch": "de", "italian": "it", "portuguese": "pt", "dutch": "nl", "polish": "pl", "russian": "ru",
    "chinese": "zh", "japanese": "ja", "korean": "ko", "arabic": "ar", "hindi": "hi", "turkish": "tr",
}  # fmt: skip


def classification_schema(intents: list[str]) -> dict:
    return {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": intents},
            "confidence": {"type": "number"},
            "sentiment": {"type": "string", "enum": SENTIMENTS},
            "urgency": {"type": "string", "enum": URGENCIES},
            "language": {"type": "string", "description": "ISO 639-1 code, e.g. en, es, de"},
        },
        "required": ["intent", "confidence", "sentiment", "urgency", "language"],
        "additionalProperties": False,
    }


def _clean(raw: dict, intents: list[str]) -> dict:
    """Clamp what the model said into the contract; anything off the lists becomes a safe default."""
    try:
        confidence = min(1.0, max(0.0, float(raw.get("confidence", 0))))
    except (TypeError, ValueError):
        confidence = 0.0
    intent = raw.get("intent") if raw.get("intent") in intents else ("other" if "other" in intents else "")
    language = str(raw.get("language") or "").strip().lower()
    language = LANGUAGE_NAMES.get(language, language.split("-")[0])
    return {
        "intent": intent,
        "confidence": confidence if intent == raw.get("intent") else 0.0,
        "sentiment": raw.get("sentiment") if raw.get("sentiment") in SENTIMENTS else "neutral",
        "urgency": raw.get("urgency") if raw.get("urgency") in URGENCIES else "normal",
        "language": language if language.isalpha() and len(language) == 2 else "",
    }


def message_classify(*, message: Message, deadline: float | None = None) -> dict:
    """Classify ``message`` (before ``deadline``, a ``time.time()``, if given), store the result on
    ``message.classification`` and return it. Never raises."""
    try:
        status = ai_status()
        if not status["ready"]:
            raise LLMError(status["message"])
        intents = list(Intent.objects.filter(active=True).values_list("name", "description"))
        names = [name for name, _ in intents] or ["other"]
        listing = "\n".join(f"- {name}: {description}" for name, description in intents)
        messages = [
            {
                "role": "system",
                "content": "Classify the customer's support message. Answer only with the JSON object.\n"
                f"Intents:\n{listing}\nconfidence is 0 to 1. language is the ISO 639-1 code of the message.",
            },
            {"role": "user", "content": (message.text or "")[:4000]},
        ]
        raw = chat_structured(
            purpose="classify",
            messages=messages,
            schema=classification_schema(names),
            schema_name="classification",
            conversation_id=message.conversation_id,
            deadline=deadline,
        )
        result = _clean(raw, names)
    except (LLMError, DatabaseError, ValueError, TypeError) as exc:
        log.warning("classification of message %s failed: %s", message.pk, exc)
        result = {"error": str(exc)[:300] or type(exc).__name__}
    except Exception as exc:  # the contract: never block the message
        log.exception("classification of message %s crashed", message.pk)
        result = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    try:
        Message.objects.filter(pk=message.pk).update(classification=result)
        message.classification = result
    except DatabaseError as exc:
        log.warning("could not store the classification of message %s: %s", message.pk, exc)
    return result
