"""Support words in five languages mapped to shared concepts (agents/data/support_glossary.json).

The sentence encoder puts "qual o email do suporte" near any article that talks about e-mail, and
it rates a question against an article in another language lower than in its own. A word the
customer used that means the same as a word in the article ("Telefonnummer" and "phone") is
evidence the vectors blur: knowledge-base search adds it to a passage's score (agents/knowledge.py).

Matching forgives what customers type: no accents, plural and other inflection endings ("envios"
names "envío"), and German compounds (a term of five or more letters also matches a word it starts or
ends: "Rücksendeetikett" names a label). Other endings are not dropped: "personal" is not "person".
"""

import functools
import json
import re
import unicodedata
from pathlib import Path

GLOSSARY_FILE = Path(__file__).resolve().parent / "data" / "support_glossary.json"
# Concepts that name one thing among its kind (a country, a weekday, a holiday, a delivery option):
# an article's number stated for one of them is not the number for another (agents/grounding.py).
ENTITY_CONCEPTS = frozenset({
    "united_kingdom", "united_states", "canada", "spain", "canary_islands", "germany", "austria", "switzerland",
    "france", "belgium_netherlands", "italy", "portugal", "brazil", "latin_america", "europe_eu", "outside_eu",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekend",
    "christmas", "new_year", "easter", "express_shipping", "standard_shipping",
})  # fmt: skip
COMPOUND_MIN = 5  # shorter German terms ("tag", "abo") are not looked for inside compounds
WORD = re.compile(r"[^\W_]+")
# Inflection endings a word may add to a glossary term (accents folded), longest first.
ENDINGS = {
    "en": ("ing", "es", "ed", "s"),
    "es": ("es", "as", "os", "s", "a", "o"),
    "pt": ("oes", "es", "as", "os", "s", "a", "o"),
    "fr": ("es", "s", "x", "e"),
    "de": ("ern", "en", "er", "es", "e", "n", "s"),
}


def fold(text: str) -> str:
    """Lower case without accents ("Größe" -> "grosse": casefold already turns ß into ss)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Language:
    """One language's terms: whole words, stems (prefixes and compound ends) and phrases."""

    def __init__(self, language: str) -> None:
        self.endings = ENDINGS.get(language, ())
        self.compounds = language == "de"
        self.words: dict[str, set[str]] = {}
        self.phrases: list[tuple[str, str]] = []

    def add(self, term: str, concept: str) -> None:
        words = WORD.findall(fold(term))
        if len(words) > 1:
            self.phrases.append((" " + " ".join(words), concept))
        elif words:
            self.words.setdefault(words[0], set()).add(concept)

    def _word(self, word: str) -> set[str]:
        found = set(self.words.get(word, ()))
        for ending in self.endings:
            if word.endswith(ending) and len(word) > len(ending) + 2:
                found |= self.words.get(word[: -len(ending)], set())
        return found

    def concepts(self, text: str) -> set[str]:
        words = WORD.findall(fold(text))
        found: set[str] = set()
        for word in words:
            found |= self._word(word)
            if self.compounds:
                for size in range(COMPOUND_MIN, len(word)):
                    found |= self._word(word[:size]) | self._word(word[-size:])
        if self.phrases:
            joined = " " + " ".join(words)
            found.update(concept for phrase, concept in self.phrases if phrase in joined)
        return found


@functools.cache
def _languages() -> dict[str, _Language]:
    languages: dict[str, _Language] = {}
    for concept, terms in json.loads(GLOSSARY_FILE.read_text(encoding="utf-8")).items():
        for language, words in terms.items():
            for term in words:
                languages.setdefault(language, _Language(language)).add(term, concept)
    return languages


@functools.lru_cache(maxsize=20_000)  # the same passages are compared with question after question
def text_concepts(text: str, language: str) -> frozenset[str]:
    """The glossary concepts ``text`` (written in ``language``) names; none for a language it lacks."""
    known = _languages().get(language)
    return frozenset(known.concepts(text)) if known else frozenset()
