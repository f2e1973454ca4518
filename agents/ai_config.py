"""The AI settings in force (placeholder until the AI settings page lands: environment only)."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class AIConfig:
    chat_model: str
    base_url: str
    decision_model: str
    band_low: float
    band_high: float


def ai_config() -> AIConfig:
    return AIConfig(
        chat_model=settings.AI_CHAT_MODEL,
        base_url=settings.OPENAI_BASE_URL,
        decision_model="",
        band_low=0.35,
        band_high=0.65,
    )
