"""The AI agent's reply to a customer: worded by the model from an article, guarded, cited by code.

1. Focus: the passage sentences closest to the question (the small local model answers a short,
   on-topic text far better than a long one, and reads it faster).
2. Generate: one short call in the customer's language (prompts.answer_messages), temperature 0.
3. Guard: the reply must pass agents.grounding (numbers, sentence support, language, length). If it
   does not, or the model failed, the customer gets the article's own sentences closest to the
   question instead (extractive: faithful by construction), or nobody is answered and the reason
   says why (the caller hands off).
4. Cite: the link to the article is appended in code, in the customer's language, absolute.

Nothing here decides whether the AI should answer at all; agents/agent.py does, before calling.
"""

import math
import re
import time
from dataclasses import dataclass, field, fields, replace

import numpy as np
from django.db.models import Q

from agents.citations import citation_for, markers_strip, text_with_citations
from agents.embeddings import texts_embed
from agents.glossary import fold, text_concepts
from agents.grounding import CHANNEL_LIMITS, NUMBER, article_sentences, asks_for_quantity, grounding_check
from agents.knowledge import Passage
from agents.llm import LLMError, chat_completion
from agents.models import Article
from agents.prompts import HANDOFF, NO_ANSWER, answer_messages
from inbox.models import Channel

PURPOSE = "agent_answer"
PROCEDURE_HANDOFF = "a procedure says to hand off"
MAX_TOKENS = {Channel.SMS: 120, Channel.WHATSAPP: 120}
MAX_TOKENS_DEFAULT = 220
SECOND_PASSAGE_MARGIN = 0.1  # the second passage joins the prompt when it scores this close to the first
FOCUS_SENTENCES = (8, 3)  # sentences given to the model from the first and the second passage
# Question-to-sentence cosine (USE, sentence prefixed by the article title; tests/bench/answers.py):
# the sentence that answers scored 0.16-0.56, sentences of a wrong article or for a question no
# article answers mostly under 0.2 (up to 0.33 between neighbouring topics such as returns/shipping).
EXTRACT_MIN = 0.20  # after a failed check: below this the article is too loosely related to quote
EXTRACT_CLEAR = 0.30  # after a model failure or NO_ANSWER: quote only a sentence that clearly answers
QUANTITY_BONUS = 0.05  # "how long/how much" questions: sentences with a number first
SECOND_SENTENCE_SHARE = 0.8  # a second sentence is quoted when it is nearly as close as the best
LEXICAL_BONUS = 0.15  # at most this is added for question words a sentence shares (see _focus_rank)
CONCEPT_SHARE = 0.5  # a support concept shared in other words counts half a word shared as written
SECOND_ARTICLE_PENALTY = 0.05  # retrieval ranked the second article lower: its sentences must beat that
ARTICLE_CHARS = 6000  # of an article's body that is ranked and checked against
WORD = re.compile(r"[^\W_]+")

LEAD_IN = {
    "en": "From our help article:",
    "es": "Según nuestro artículo de ayuda:",
    "de": "Aus unserem Hilfeartikel:",
    "pt": "Do nosso artigo de ajuda:",
    "fr": "D'après notre article d'aide :",
}
GREETING = {"en": "Hello,", "es": "Hola,", "de": "Hallo,", "pt": "Olá,", "fr": "Bonjour,"}


class Method:
    GENERATED = "generated"
    EXTRACTIVE = "extractive"


@dataclass
class Answer:
    """``text`` is what the customer gets (``body`` + the citation line); empty with ``handoff_reason``
    when nothing faithful could be said. ``check`` holds the grounding check's numbers for agents."""

    text: str = ""
    body: str = ""
    citations: list[dict] = field(default_factory=list)
    method: str = ""
    grounded: bool = False
    check: dict = field(default_factory=dict)
    handoff_reason: str = ""


@dataclass
class _Focus:
    """One passage's sentences with their closeness to the question."""

    passage: Passage
    sentences: list[str]
    scores: np.ndarray

    def best(self, k: int) -> list[int]:
        """Indexes of the ``k`` closest sentences, closest first."""
        return [int(i) for i in np.argsort(-self.scores)[:k]]


def answer_compose(
    *,
    question: str,
    passages: list[Passage],
    language: str,
    channel: str,
    procedures: list[tuple[str, int, str]],
    conversation_id: int | None,
    deadline: float | None,
) -> Answer:
    """A faithful, cited reply to ``question`` from ``passages`` (best first, already judged relevant by
    retrieval), in ``language`` for ``channel``; or an Answer with ``handoff_reason``. The model call
    must end before ``deadline`` (a ``time.time()``). Never raises for model or encoder failures."""
    chosen = _articles(_passages_chosen(passages))
    if not chosen:
        return Answer(handoff_reason="no article passage to answer from")
    try:
        focus = _focus_rank(question=question, passages=chosen, language=language)
    except LLMError as exc:
        return Answer(handoff_reason=f"the sentence encoder failed ({exc})"[:200])

    # The closest sentences in the article's order: a list stays a list and a heading stays above its
    # lines, so the small model picks the line that answers (in closeness order it took the first).
    focused = [
        _with(f.passage, text="\n".join(f.sentences[i] for i in sorted(f.best(k))) or f.passage.text)
        for f, k in zip(focus, FOCUS_SENTENCES, strict=False)
    ]
    messages = answer_messages(
        question=question, passages=focused, language=language, channel=channel, procedures=procedures
    )
    started = time.monotonic()
    try:
        raw, finish_reason = chat_completion(
            purpose=PURPOSE,
            messages=messages,
            max_tokens=MAX_TOKENS.get(channel, MAX_TOKENS_DEFAULT),
            temperature=0,
            deadline=deadline,
            conversation_id=conversation_id,
        )
    except LLMError as exc:
        why = "the AI model timed out" if exc.timeout else "the AI model failed"
        model = {"error": str(exc)[:300], "latency_ms": int((time.monotonic() - started) * 1000)}
        return _extractive(
            question=question, focus=focus, language=language, channel=channel, minimum=EXTRACT_CLEAR,
            why=why, check={"model": model},
        )  # fmt: skip

    model = {"raw": raw[:600], "finish_reason": finish_reason, "latency_ms": int((time.monotonic() - started) * 1000)}
    body = _tidy(raw)
    sentinel = body.strip(" .!\"'`").upper().replace(" ", "_")
    if sentinel == NO_ANSWER:
        # The 1.5B model says NO_ANSWER to some questions its article does answer (retrieval judged it
        # relevant already): the article's own sentence goes out when one clearly answers.
        return _extractive(
            question=question, focus=focus, language=language, channel=channel, minimum=EXTRACT_CLEAR,
            why="the AI model found no answer in the article", check={"model": model},
        )  # fmt: skip
    if sentinel.startswith(HANDOFF):
        return Answer(handoff_reason=PROCEDURE_HANDOFF, check={"model": model})

    try:
        check = grounding_check(
            text=body, passages=chosen, language=language, channel=channel, question=question,
            extra=[text for _, _, text in procedures],
        )  # fmt: skip
    except LLMError as exc:
        return Answer(handoff_reason=f"the grounding check failed ({exc})"[:200], check={"model": model})
    if finish_reason == "length":
        check.passed = False
        check.failures.append("cut: the model stopped at its token limit mid-answer")
    details = {**check.as_dict(), "model": model}
    if not check.passed:
        return _extractive(
            question=question, focus=focus, language=language, channel=channel, minimum=EXTRACT_MIN,
            why="the generated answer failed the grounding check", check=details,
        )  # fmt: skip

    cited = check.supporting or [0]
    citations = [citation_for(n=i + 1, passage=chosen[i], absolute=True) for i in cited]
    return _cited(body, citations, language, channel, method=Method.GENERATED, check=details)


def _cited(body: str, citations: list[dict], language: str, channel: str, *, method: str, check: dict) -> Answer:
    """A grounded answer: ``body`` with the links to ``citations`` appended in the customer's language."""
    return Answer(
        text=text_with_citations(body=body, citations=citations, language=language, channel=channel),
        body=body,
        citations=citations,
        method=method,
        grounded=True,
        check=check,
    )


def _passages_chosen(passages: list[Passage]) -> list[Passage]:
    """The best passage, and the second when it scores nearly as well (two topics in one question)."""
    if not passages:
        return []
    first, *rest = passages
    return [first] + [p for p in rest[:1] if p.score >= first.score - SECOND_PASSAGE_MARGIN]


def _articles(passages: list[Passage]) -> list[Passage]:
    """The passages with their whole article's text: retrieval returns a window of it, which can miss
    the sentence with the answer ("30 days" one paragraph above "refunds take 5 days"), and anything
    the article says is true, so the check may use all of it."""
    bodies = dict(Article.objects.filter(pk__in=[p.article_id for p in passages]).values_list("id", "body"))
    return [_with(p, text=bodies[p.article_id][:ARTICLE_CHARS]) if bodies.get(p.article_id) else p for p in passages]


def _with(passage: Passage, **changes) -> Passage:
    """A copy of ``passage`` with ``changes`` for the fields it has (Passage gains fields over time)."""
    names = {f.name for f in fields(passage)}
    return replace(passage, **{k: v for k, v in changes.items() if k in names})


def _focus_rank(*, question: str, passages: list[Passage], language: str) -> list[_Focus]:
    """Each passage's sentences scored by closeness to the question (asked in ``language``): cosine
    (each sentence embedded with the article's title, which carries the topic a list item like "Canada:
    5-8 business days" leaves implicit) plus a bonus for the question's words and support concepts it
    and its short heading share, weighted by how rare they are among all the passages' sentences
    ("Plus" in "Plus, $39 a month"; "Österreich" and "Austria"; the encoder alone ranks list items
    poorly), so scores compare across articles. For a "how long / how much" question, sentences
    holding a number come first among near equals."""
    headed = [article_sentences(p.text, p.title) for p in passages]
    # What is quoted or prompted: a heading only when it holds a fact ("Barista - €49 per month") or
    # names the part briefly ("Pausing"); long ones ("What it costs") would crowd out sentences.
    sentences = [[f"{h}: {s}" if h and (NUMBER.search(h) or len(h.split()) <= 3) else s for h, s in part]
                 for part in headed]  # fmt: skip
    pooled = [(p, s) for p, part in zip(passages, sentences, strict=True) for s in part]
    if not pooled:
        return [_Focus(p, [], np.zeros(0)) for p in passages]
    titled = [f"{p.title}. {s}" for p, part in zip(passages, headed, strict=True) for _, s in part]
    vectors = np.asarray(texts_embed([question[:2000], *titled]))
    scores = vectors[1:] @ vectors[0] + _shared_words_bonus(
        question, language, [(s, getattr(p, "language", "") or "en") for p, s in pooled]
    )
    if asks_for_quantity(question):
        scores += QUANTITY_BONUS * np.array([bool(NUMBER.search(s)) for _, s in pooled])
    focus, start = [], 0
    for rank, (passage, part) in enumerate(zip(passages, sentences, strict=True)):
        focus.append(_Focus(passage, part, scores[start : start + len(part)] - SECOND_ARTICLE_PENALTY * rank))
        start += len(part)
    return focus


def _words(text: str, language: str) -> set[str]:
    words = {w for w in WORD.findall(fold(text)) if len(w) >= 3}
    return words | {f"#{concept}" for concept in text_concepts(text, language)}


def _shared_words_bonus(question: str, language: str, sentences: list[tuple[str, str]]) -> np.ndarray:
    """Per (sentence, its language): the rarity-weighted share of the question's words it has."""
    words = [_words(s, sentence_language) for s, sentence_language in sentences]
    asked = _words(question, language)
    count = len(sentences)
    bonus = np.zeros(count)
    for i, mine in enumerate(words):
        for word in asked & mine:
            frequency = sum(word in other for other in words)
            rarity = math.log((count + 1) / frequency) / math.log(count + 1)  # 1 = only this sentence has it
            bonus[i] += rarity * (CONCEPT_SHARE if word.startswith("#") else 1.0)
    return LEXICAL_BONUS * np.minimum(bonus, 1.0)


def _tidy(raw: str) -> str:
    """The model's text as a reply body: no [n] markers (the link is added below), no blank-line runs."""
    lines = [line.rstrip() for line in markers_strip(raw).strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()


def _translation(passage: Passage, language: str) -> Passage | None:
    """The same article in ``language`` (the original or one of its translations), as a passage."""
    original = getattr(passage, "original_id", 0) or passage.article_id
    found = (
        Article.objects.filter(published=True, language=language)
        .filter(Q(pk=original) | Q(translation_of_id=original))
        .values("id", "title", "body")
        .first()
    )
    if found is None:
        return None
    return _with(passage, article_id=found["id"], title=found["title"], text=found["body"], language=language)


def _extractive(
    *, question: str, focus: list[_Focus], language: str, channel: str, minimum: float, why: str, check: dict
) -> Answer:
    """The 1-2 article sentences closest to the question, in the customer's language when the article
    has a version in it (else the article's own, after a short lead-in), cited; or a handoff reason
    when even the closest sentence is under ``minimum``."""
    ranked = [f for f in focus if f.sentences]
    best = max(ranked, key=lambda f: float(f.scores.max()), default=None)
    score = float(best.scores.max()) if best else 0.0
    check = {**check, "fallback": why, "extractive": {"similarity": round(score, 3), "minimum": minimum}}
    if best is None or score < minimum:
        return Answer(handoff_reason=f"{why}, and no article sentence clearly answers ({score:.2f})", check=check)

    source_language = getattr(best.passage, "language", "") or "en"
    if source_language != language:
        translated = _translation(best.passage, language)
        if translated is not None:
            try:
                (best,) = _focus_rank(question=question, passages=[translated], language=language)
                source_language = language
            except LLMError:
                pass  # the original's sentences, ranked already, still answer
    chosen = _sentences_chosen(best, channel)
    quoted = " ".join(best.sentences[i] for i in chosen)
    body = quoted if source_language == language else f"{LEAD_IN.get(language, LEAD_IN['en'])} {quoted}"
    if channel == Channel.EMAIL:
        body = f"{GREETING.get(language, GREETING['en'])}\n\n{body}"
    citations = [citation_for(n=1, passage=best.passage, absolute=True)]
    check["extractive"].update(
        sentences=[best.sentences[i] for i in chosen], article_id=best.passage.article_id, language=source_language
    )
    return _cited(body, citations, language, channel, method=Method.EXTRACTIVE, check=check)


def _sentences_chosen(focus: _Focus, channel: str) -> list[int]:
    """The closest sentence, and the next closest when nearly as close and the channel has room."""
    order = [int(i) for i in np.argsort(-focus.scores)]
    chosen = order[:1]
    _, max_chars = CHANNEL_LIMITS.get(channel, (4, 600))
    if len(order) > 1:
        second = order[1]
        near = focus.scores[second] >= SECOND_SENTENCE_SHARE * focus.scores[order[0]]
        fits = len(focus.sentences[order[0]]) + len(focus.sentences[second]) + 40 <= max_chars
        if near and fits:
            chosen.append(second)
    return sorted(chosen)
