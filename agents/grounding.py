"""Does a reply say only what its article says? The check every AI reply passes before it is sent.

The small local model garbles numbers ("3 weeks" from "30 days") and now and then adds a sentence
of its own, so a reply must pass, without any model call:

- numbers: every number, price, time, date or percentage in it occurs in the article (or the
  admins' procedures): "9,90 €" = "€9.90", "5-7" gives 5 and 7, "2 pm" = "14:00", "zwei" = 2; a
  number with a unit (days, weeks...) must not carry another unit than in the article; every
  currency, link and email address must be the article's too;
- a question asking how long, how much or when gets a reply with a number in it;
- sentences: each sentence that states something is close (multilingual sentence encoder, cosine)
  to a sentence of the article, or to two neighbouring ones; greetings and sign-offs are recognised
  by their closeness to a few examples and only not counted;
- language: long enough replies are in the customer's language (py3langid, see agents/language.py);
- no sentinel (NO_ANSWER) left in the text, not empty, not longer than the channel allows.

- binding: when the customer asked about one of several things the article gives numbers for (a
  country, a weekday, a plan by its name), a reply sentence's numbers must stand, in the article,
  on a line (or under a heading) that names it: "5-8 days" for the EU when 5-8 is Canada's fails. A
  sentence whose numbers all stand on such a line is supported by them, even when its wording,
  in another language than the article, is not close to the line's.

What it cannot see: a sentence that reuses the article's words to say the opposite ("returns are
not possible after 30 days"), and a number put with the wrong fact when the question names nothing
the article lists ("5 days" for the return window when 5 days is the refund's).
"""

import functools
import itertools
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from agents.embeddings import embedding_model_name, texts_embed
from agents.glossary import ENTITY_CONCEPTS, text_concepts
from agents.knowledge import Passage
from agents.language import language_detect
from inbox.models import Channel

# Cosine thresholds for USE multilingual (tests/bench/answers.py; faithful paraphrases across the five
# languages scored 0.43-0.94 against their article sentence, invented side sentences 0.09-0.33, with
# outliers up to 0.54 for sentences that reuse the article's words; greetings/sign-offs 0.59-0.92 to
# the examples below, fact sentences at most 0.36).
SUPPORT_MIN = 0.40
BOUND_SUPPORT_MIN = 0.25  # a sentence whose numbers stand on a line naming what was asked: on topic is enough
FILLER_MIN = 0.50
FILLER_MAX_WORDS = 12
SHORT_SENTENCE_WORDS = 3  # "Sí." / "Ja, klar." carry too little to compare; they are not counted
SHORT_NUMBER_SENTENCE_WORDS = 5  # "30 jours." / "Son 19,95 $.": supported by their number alone
LANGUAGE_MIN_WORDS = 5  # below this the language guess is noise

# (sentences, characters) a reply may have per channel; email leaves room for greeting and sign-off.
CHANNEL_LIMITS = {
    Channel.SMS: (2, 320),
    Channel.WHATSAPP: (2, 400),
    Channel.CHAT: (4, 600),
    Channel.EMAIL: (6, 1200),
}

SENTINELS = ("NO_ANSWER", "HANDOFF")

FILLER_EXAMPLES = [
    "Hello!", "Hi Maya,", "Dear customer,", "Thanks for reaching out.", "Hope this helps!",
    "Let me know if you have any other questions.", "Happy to help.", "Best regards", "Kind regards, the support team",
    "Have a nice day!",
    "¡Hola!", "Hola María:", "Estimado cliente:", "Gracias por escribirnos.", "¡Espero que te ayude!",
    "Si tienes más preguntas, aquí estamos.", "Saludos cordiales", "Un saludo",
    "Hallo,", "Sehr geehrte Damen und Herren,", "Danke für Ihre Nachricht.", "Ich hoffe, das hilft!",
    "Bei weiteren Fragen melden Sie sich gern.", "Viele Grüße", "Mit freundlichen Grüßen",
    "Bonjour,", "Merci pour votre message.", "N'hésitez pas si vous avez d'autres questions.", "Bonne journée !",
    "Cordialement",
    "Olá!", "Obrigado pelo contato.", "Espero ter ajudado!", "Qualquer dúvida, estamos à disposição.",
    "Atenciosamente",
]  # fmt: skip

LIST_MARKER = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
EMPHASIS = re.compile(r"\*\*|__|`|^#+\s*")
# A sentence ends at . ! ? before a capital or digit, but not inside "EE. UU." (short capitals, dot, again).
SENTENCE_END = re.compile(
    r"(?<=[.!?\u2026])\s+(?![A-Z]{1,3}\.)(?=[\"'\u00ab\u201c\u201e(\u00bf\u00a1]*[A-Z\u00c0-\u00d6\u00d8-\u00de0-9])"
)
WORDS = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")

NUMBER = re.compile(r"(?<![\w.,:])(\d+(?:[.,:]\d+)*)(\s*(?:[ap]\.?\s?m\.?(?!\w)|uhr\b|h\b))?", re.IGNORECASE)
# A range ("5-8", "2 to 4", "1 o 2") carries its unit to the first number as well.
UNIT_AFTER = re.compile(
    r"\s*(?:(?:-|\u2013|to|a|\u00e0|au|bis|y|e|et|und|and|or|o|ou|oder)\s*\d+(?:[.,]\d+)?\s*)?"
    r"(?:business\s+|working\s+|calendar\s+)?([^\W\d_]+)",
    re.IGNORECASE,
)
UNITS = {
    "day": "day days día días dia dias tag tage tagen werktag werktage werktagen jour jours",
    "week": "week weeks semana semanas woche wochen semaine semaines",
    "month": "month months mes meses monat monate monaten mois",
    "hour": "hour hours hora horas stunde stunden heure heures h",
    "minute": "minute minutes minuto minutos minuten min",
    "year": "year years año años jahr jahre jahren an ans ano anos",
}
UNIT_OF = {word: unit for unit, words in UNITS.items() for word in words.split()}
# Number words 2-30 that the model may write instead of digits; per language, because "dos" is
# Portuguese for "of the" and "neuf" French for "new" (left out), "once" English for "one time".
NUMBER_WORDS = {
    "en": "two three four five six seven eight nine ten eleven twelve",
    "es": "dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "de": "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "pt": "dois três quatro cinco seis sete oito nove dez onze doze",
    "fr": "deux trois quatre cinq six sept huit - dix onze douze",
}
NUMBER_WORDS_HIGH = {
    "en": {"fifteen": 15, "twenty": 20, "thirty": 30},
    "es": {"quince": 15, "veinte": 20, "treinta": 30},
    "de": {"fünfzehn": 15, "zwanzig": 20, "dreißig": 30},
    "pt": {"duas": 2, "quinze": 15, "vinte": 20, "trinta": 30},
    "fr": {"quinze": 15, "vingt": 20, "trente": 30},
}
CURRENCY = re.compile(
    r"[$\u20ac\u00a3]|\b(?:usd|eur|gbp|dollars?|d[o\u00f3]lar(?:es)?|euros?|pounds?|libras?)\b", re.IGNORECASE
)
CURRENCY_CODE = {"$": "USD", "\u20ac": "EUR", "\u00a3": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP"}
# Questions that ask for a number, a time or a price: a reply to them that holds no number is a
# non-answer ("delivery times vary"), however close its words are to the article's.
QUANTITY_QUESTION = re.compile(
    r"\b(?:how (?:long|much|many|soon|late|early)|what time|when|until when|price|cost|fee"
    r"|cu[aá]nt[oa]s?|cu[aá]ndo|a qu[eé] hora|precio|cuesta|coste|plazo"
    r"|wie (?:lange|viel|viele|sp[aä]t|fr[uü]h|schnell)|wieviel|wann|bis wann|kostet|preis|geb[uü]hr"
    r"|combien|quand|quelle heure|prix|co[uû]te|tarif|d[eé]lai"
    r"|quant[oa]s?|quando|que horas|pre[cç]o|custa|prazo)\b",
    re.IGNORECASE,
)
BOLD_LINE = re.compile(r"\*\*[^*]+\*\*:?")
LINK = re.compile(r"https?://[^\s)>\]]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    raw: str
    values: frozenset[float]
    unit: str | None


@dataclass
class GroundingCheck:
    """The check's verdict and its numbers (stored with the reply and shown to agents)."""

    passed: bool
    failures: list[str] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)  # text, support, source (passage index), filler
    numbers: list[str] = field(default_factory=list)
    unsupported_numbers: list[str] = field(default_factory=list)
    language: str = ""
    language_confidence: float = 0.0
    characters: int = 0
    limit: list[int] | None = None
    threshold: float = SUPPORT_MIN
    supporting: list[int] = field(default_factory=list)  # indexes of the passages that support sentences

    @property
    def numbers_ok(self) -> bool:
        return not any(f.startswith(("number", "unit", "currency", "link")) for f in self.failures)

    @property
    def supported_share(self) -> float:
        content = [s for s in self.sentences if s["counted"]]
        supported = sum(s["support"] >= self.threshold or s["by_number"] for s in content)
        return supported / len(content) if content else 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _clean_line(line: str) -> str:
    return EMPHASIS.sub("", LIST_MARKER.sub("", line)).strip()


def sentences_split(text: str) -> list[str]:
    """Sentences (and list items, and lines such as "Hi Maya,") of a reply or a markdown article."""
    found = []
    for line in text.splitlines():
        line = _clean_line(line)
        found.extend(piece.strip() for piece in SENTENCE_END.split(line) if piece.strip())
    return found


def article_sentences(text: str, title: str) -> list[tuple[str, str]]:
    """(heading, sentence) of the article's sentences: a heading often holds the fact its sentences
    leave out ("Barista - €49 per month" over "Everything in the Espresso plan..."). A section heading
    is a markdown or bold line and lasts until the next; a line announcing a list ("What it costs:")
    heads the lines up to the next blank line. A heading that is a question is left out."""
    found: list[tuple[str, str]] = []
    section = intro = ""
    headed = False  # whether a line has followed the list's announcement yet
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            intro = "" if headed else intro
            continue
        sentences = sentences_split(stripped)
        if stripped.startswith("#") or BOLD_LINE.fullmatch(stripped):
            section, intro = _heading(" ".join(sentences).lstrip("# "), title), ""
            continue
        announced = sentences.pop() if sentences and sentences[-1].endswith(":") else None
        heading = ": ".join(h for h in (section, intro) if h)
        found += [(heading, sentence) for sentence in sentences]
        headed = bool(intro)
        if announced is not None:
            intro, headed = _heading(announced, title), False
    return found


def _heading(text: str, title: str) -> str:
    text = text.rstrip(":").strip()
    return "" if text.endswith("?") or text.casefold() == title.casefold() else text


def _parse(number: str, suffix: str) -> set[float]:
    if ":" in number:
        hours, _, minutes = number.partition(":")
        values = {int(hours) + int(minutes.split(":")[0]) / 60}
    else:
        groups = re.split(r"[.,]", number)
        if len(groups) == 1:
            values = {float(int(number))}
        elif len(groups) == 2:
            values = {float(f"{groups[0]}.{groups[1]}")}
            if len(groups[1]) == 3:  # "1,000" or "1.000": a thousand, or one in a decimal comma language
                values.add(float(groups[0] + groups[1]))
        else:
            # "1,250.00" / "1.250,00": the last separator is the decimal one when 2 digits follow it.
            whole, last = "".join(groups[:-1]), groups[-1]
            values = {float(f"{whole}.{last}")} if len(last) == 2 else {float("".join(groups))}
    if suffix.strip().lower().startswith("p"):
        values |= {v + 12 for v in values if v < 12}
    return {round(v, 4) for v in values}


def _unit_after(text: str, end: int) -> str | None:
    match = UNIT_AFTER.match(text, end)
    return UNIT_OF.get(match.group(1).casefold()) if match else None


@functools.cache
def _number_words(language: str) -> dict[str, int]:
    words = {w: i for i, w in enumerate(NUMBER_WORDS.get(language, "").split(), start=2) if w != "-"}
    return {**words, **NUMBER_WORDS_HIGH.get(language, {})}


def quantities_find(text: str, language: str) -> list[Quantity]:
    """The numbers of ``text`` with the values they may mean and the unit that follows them."""
    found = [
        Quantity(m.group(0).strip(), frozenset(_parse(m.group(1), m.group(2) or "")), _unit_after(text, m.end()))
        for m in NUMBER.finditer(text)
    ]
    words = _number_words(language)
    for m in WORDS.finditer(text):
        value = words.get(m.group(0).casefold())
        if value is not None:
            found.append(Quantity(m.group(0), frozenset({float(value)}), _unit_after(text, m.end())))
    return found


def currencies_find(text: str) -> set[str]:
    codes = set()
    for m in CURRENCY.finditer(text):
        word = m.group(0).casefold()
        if word.startswith(("dol", "d\u00f3l")):
            codes.add("USD")
        elif word.startswith("euro"):
            codes.add("EUR")
        elif word.startswith(("pound", "libra")):
            codes.add("GBP")
        else:
            codes.add(CURRENCY_CODE[word])
    return codes


def _quantity_supported(quantity: Quantity, known: list[Quantity]) -> bool:
    return any(
        quantity.values & k.values and (quantity.unit is None or k.unit is None or quantity.unit == k.unit)
        for k in known
    )


def _plain(text: str) -> str:
    """Without list numbering ("3. Drop the parcel" says nothing about 3 weeks) and emphasis."""
    return "\n".join(_clean_line(line) for line in text.splitlines())


def _facts_check(text: str, language: str, sources: list[tuple[str, str]]) -> tuple[list[str], list[str], list[str]]:
    """(numbers found, numbers not in the sources, failures) for numbers, units, currencies and links."""
    known = [q for source, source_language in sources for q in quantities_find(_plain(source), source_language)]
    quantities = quantities_find(_plain(LINK.sub(" ", text)), language)
    failures, unsupported = [], []
    for quantity in quantities:
        if not _quantity_supported(quantity, known):
            unsupported.append(quantity.raw)
            same_value = any(quantity.values & k.values for k in known)
            failures.append(
                f"unit: {quantity.raw} {quantity.unit}s is not what the article says"
                if same_value
                else f"number: {quantity.raw} is not in the article"
            )
    source_text = "\n".join(source for source, _ in sources)
    missing = currencies_find(text) - currencies_find(source_text)
    failures += [f"currency: {code} is not in the article" for code in sorted(missing)]
    failures += [
        f"link: {link} is not in the article"
        for link in LINK.findall(text)
        if link.rstrip(".,;").casefold() not in source_text.casefold()
    ]
    return [q.raw for q in quantities], unsupported, failures


@dataclass(frozen=True)
class _Line:
    """An article line (a sentence under its heading) with its numbers and the things it names."""

    text: str
    values: frozenset[float]
    names: frozenset[str]


def _article_lines(passages: list[Passage]) -> list[_Line]:
    lines = []
    for passage in passages:
        language = getattr(passage, "language", "") or "en"
        proper = _proper_names(passage.text) if language != "de" else set()  # German capitalises every noun
        for heading, sentence in article_sentences(passage.text, passage.title):
            text = f"{heading} {sentence}"
            values = frozenset(v for q in quantities_find(_plain(text), language) for v in q.values)
            words = {w.casefold() for w in WORDS.findall(text)}
            names = (text_concepts(text, language) & ENTITY_CONCEPTS) | (words & proper)
            lines.append(_Line(text, values, frozenset(names)))
    return lines


def _proper_names(text: str) -> set[str]:
    """Words the article writes capitalised inside a sentence ("the Barista plan", "Crema One")."""
    names = set()
    for sentence in sentences_split(text):
        names |= {w.casefold() for w in WORDS.findall(sentence)[1:] if w[:1].isupper() and len(w) > 2}
    return names


def _asked_names(question: str, language: str, lines: list[_Line]) -> set[str]:
    """What the question singles out that the article names on some lines but not on all."""
    if not question:
        return set()
    words = {w.casefold() for w in WORDS.findall(question)}
    named = (text_concepts(question, language) & ENTITY_CONCEPTS) | words
    counts = {name: sum(name in line.names for line in lines) for name in named}
    return {name for name, count in counts.items() if 0 < count < len(lines)}


def _binding(sentence: str, language: str, lines: list[_Line], asked: set[str]) -> bool | None:
    """True when the sentence's numbers all stand on one line naming what was asked, False when they
    stand together only on lines naming none of it, None when there is nothing to tell."""
    values = [q.values for q in quantities_find(_plain(sentence), language)]
    if not values or not asked:
        return None
    holding = [line for line in lines if all(v & line.values for v in values)]
    if not holding:
        return None
    return any(line.names & asked for line in holding)


@functools.cache
def _filler_vectors(model_name: str) -> np.ndarray:
    return np.asarray(texts_embed(FILLER_EXAMPLES))


def _support_candidates(passages: list[Passage], extra: list[str]) -> tuple[list[str], list[int]]:
    """Each article sentence, each pair of neighbours (a reply sentence often joins two), and the
    procedures' sentences (index -1), with the index of the passage they come from."""
    texts, owners = [], []
    for index, passage in enumerate(passages):
        sentences = sentences_split(passage.text)
        pairs = [f"{a} {b}" for a, b in itertools.pairwise(sentences)]
        mine = [passage.title, *sentences, *pairs]
        texts += mine
        owners += [index] * len(mine)
    for text in extra:
        sentences = sentences_split(text)
        texts += sentences
        owners += [-1] * len(sentences)
    return texts, owners


def asks_for_quantity(question: str) -> bool:
    return bool(QUANTITY_QUESTION.search(question or ""))


def grounding_check(
    *,
    text: str,
    passages: list[Passage],
    language: str,
    channel: str | None,
    question: str = "",
    extra: list[str] | None = None,
    check_language: bool = True,
) -> GroundingCheck:
    """Check ``text`` (a reply without its citation line) against ``passages`` and ``extra`` (procedure
    texts), as an answer to ``question`` if given. ``channel`` None skips the length limit. Raises
    LLMError when the encoder fails."""
    extra = extra or []
    check = GroundingCheck(passed=False, characters=len(text.strip()))
    stripped = text.strip()
    if not stripped:
        check.failures.append("empty: the reply has no text")
        return check
    check.failures += [f"sentinel: the reply contains {s}" for s in SENTINELS if s in stripped.upper()]

    sources = [(p.text, getattr(p, "language", "") or language) for p in passages]
    sources += [(t, language) for t in extra]
    check.numbers, check.unsupported_numbers, facts = _facts_check(stripped, language, sources)
    check.failures += facts
    if not check.numbers and asks_for_quantity(question):
        check.failures.append("number: the question asks for a number, time or price and the reply gives none")

    sentences = sentences_split(stripped)
    lines = _article_lines(passages)
    asked = _asked_names(question, language, lines)
    candidates, owners = _support_candidates(passages, extra)
    vectors = np.asarray(texts_embed(sentences + candidates))
    mine, theirs = vectors[: len(sentences)], vectors[len(sentences) :]
    similarity = mine @ theirs.T if len(candidates) else np.zeros((len(sentences), 1))
    filler = (mine @ _filler_vectors(embedding_model_name()).T).max(axis=1)
    for i, sentence in enumerate(sentences):
        words = len(WORDS.findall(sentence))
        has_number = bool(NUMBER.search(sentence))
        is_filler = not has_number and words <= FILLER_MAX_WORDS and float(filler[i]) >= FILLER_MIN
        counted = not is_filler and (has_number or words >= SHORT_SENTENCE_WORDS)
        best = int(similarity[i].argmax()) if len(candidates) else 0
        support = float(similarity[i][best]) if len(candidates) else 0.0
        bound = _binding(sentence, language, lines, asked) if has_number else None
        if bound is False:
            check.failures.append(
                f"binding: the numbers of \u201c{sentence[:80]}\u201d are another thing's in the article"
            )
        # "30 jours." is too short to compare by meaning: its number (checked above) is its content.
        by_number = not facts and (
            (has_number and words < SHORT_NUMBER_SENTENCE_WORDS) or (bool(bound) and support >= BOUND_SUPPORT_MIN)
        )
        check.sentences.append(
            {
                "text": sentence,
                "support": round(support, 3),
                "source": owners[best] if len(candidates) else -1,
                "filler": is_filler,
                "counted": counted,
                "by_number": by_number,
            }
        )
    content = [s for s in check.sentences if s["counted"]]
    if not content:
        check.failures.append("support: no sentence states a fact from the article")
    check.failures += [
        f"support: \u201c{s['text'][:80]}\u201d is not in the article ({s['support']:.2f} < {SUPPORT_MIN})"
        for s in content
        if s["support"] < SUPPORT_MIN and not s["by_number"]
    ]
    check.supporting = sorted(
        {s["source"] for s in content if (s["support"] >= SUPPORT_MIN or s["by_number"]) and s["source"] >= 0}
    )

    if check_language and len(WORDS.findall(stripped)) >= LANGUAGE_MIN_WORDS:
        check.language, check.language_confidence = language_detect(LINK.sub(" ", stripped))
        if language and check.language != language:
            check.failures.append(f"language: the reply is in {check.language}, the customer's is {language}")

    limit = CHANNEL_LIMITS.get(channel) if channel else None
    if limit:
        check.limit = list(limit)
        counted_sentences = len([s for s in check.sentences if not s["filler"]])
        if counted_sentences > limit[0] or check.characters > limit[1]:
            check.failures.append(
                f"length: {counted_sentences} sentences, {check.characters} characters (at most {limit[0]}, {limit[1]})"
            )
    check.passed = not check.failures
    return check
