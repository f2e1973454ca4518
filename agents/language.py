"""Which language a customer wrote in, offline and in well under a millisecond.

py3langid (character n-grams) restricted to the languages the site serves does well on a
sentence, but a two-word SMS ("merci !", "oi, tudo bem?") carries too few n-grams. Two cheap
helps for those: a handful of words that only one of the languages uses, and the language the
customer wrote in before (a ``hint``), which a short, unsure text falls back to.
"""

import functools
import re

from django.conf import settings

# Common short words that name their language on their own (greetings, thanks, pronouns, SMS spelling).
MARKERS = {
    "en": "hi hello hey thanks thx thank you pls please what where when how why my the is are can i'm isn't",
    "es": "hola gracias buenas usted ustedes mi cuándo cuando dónde donde qué porque pedido envío envio quiero",
    "de": "hallo danke bitte moin tschüss ich mein meine wann wo wie warum ist nicht sie bestellung paket",
    "pt": "oi olá ola obrigado obrigada vcs vc você voce meu minha quando onde não nao pedido senha quero",
    "fr": "bonjour salut merci svp oui je mon ma mes quand où pourquoi est commande colis",
}
WORD = re.compile(r"[\w']+", re.UNICODE)
SHORT_TEXT_WORDS = 4  # below this, n-grams alone are a guess
UNSURE = 0.6


@functools.cache
def _identifier(languages: tuple[str, ...]):
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True, langs=list(languages))


@functools.cache
def _markers(languages: tuple[str, ...]) -> dict[str, set[str]]:
    words: dict[str, set[str]] = {}
    for language in languages:
        for word in MARKERS.get(language, "").split():
            words.setdefault(word, set()).add(language)
    # A word several languages share ("pedido", "quero") says nothing about which one it is.
    return words


def languages_supported() -> tuple[str, ...]:
    return tuple(settings.AI_LANGUAGES)


def language_detect(text: str, *, hint: str = "") -> tuple[str, float]:
    """(ISO 639-1 code, confidence 0..1) of ``text``; ``hint`` is the customer's earlier language."""
    languages = languages_supported()
    words = [w.casefold() for w in WORD.findall(text or "")]
    if not words:
        return (hint or languages[0], 0.0)
    scores = dict.fromkeys(languages, 0.0)
    for language, probability in _identifier(languages).rank(text[:2000]):
        scores[language] = float(probability)
    markers = _markers(languages)
    hits = [markers[w] for w in words if w in markers and len(markers[w]) == 1]
    if hits and len(words) < 2 * SHORT_TEXT_WORDS:
        for found in hits:
            scores[next(iter(found))] += 0.5 / len(hits)
    total = sum(scores.values()) or 1.0
    best = max(scores, key=scores.__getitem__)
    confidence = scores[best] / total
    if hint in scores and len(words) < SHORT_TEXT_WORDS and confidence < UNSURE and not hits:
        return hint, round(max(scores[hint] / total, 0.5), 3)
    return best, round(confidence, 3)
