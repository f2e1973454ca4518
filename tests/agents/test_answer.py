"""The AI agent's reply: worded by the model (the OpenAI stand-in), guarded, cited by code (agents/answer.py)."""

import time

import pytest

from agents import answer as answer_module
from agents.answer import PROCEDURE_HANDOFF, Method, answer_compose
from agents.knowledge import Passage, kb_search
from agents.llm import LLMError
from agents.models import LLMCall
from inbox.models import Channel
from tests.agents.kb import SHIPPING, demo_kb_load, kb_load
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

BASE = "https://help.example.com"
QUESTION = "How long do I have to return an item?"
RETURN_SENTENCE = "You can return any item within 30 days of delivery for a full refund."
SPANISH_EXPRESS = "¿Cuánto cuesta el envío exprés?"


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def kb(db):
    return kb_load()


@pytest.fixture
def demo_kb(db):
    return demo_kb_load()


def compose(question=QUESTION, *, language="en", channel=Channel.CHAT, procedures=(), passages=None, **kwargs):
    passages = kb_search(query=question, language=language) if passages is None else passages
    options = {"conversation_id": None, "deadline": time.time() + 30, **kwargs}
    return answer_compose(question=question, passages=passages, language=language, channel=channel,
                          procedures=list(procedures), **options)  # fmt: skip


def link(article) -> str:
    return f"{BASE}/ai/articles/{article.pk}/"


def plain(body: str) -> str:
    """An article body as the extractive answer quotes it (no markdown emphasis)."""
    return body.replace("**", "")


def test_a_faithful_model_reply_goes_out_with_the_article_link(kb, openai_standin):
    openai_standin.script(content=f"{RETURN_SENTENCE} [1]")
    answer = compose()
    refunds = kb["Refund policy"]
    assert answer.method == Method.GENERATED and answer.grounded and not answer.handoff_reason
    assert answer.body == RETURN_SENTENCE  # the model's [1] marker is gone: the link is added by code
    assert answer.text == f"{RETURN_SENTENCE}\nMore: Refund policy \u2013 {link(refunds)}"
    assert answer.citations == [{"n": 1, "article_id": refunds.pk, "title": "Refund policy", "url": link(refunds)}]
    assert answer.check["passed"] and answer.check["model"]["raw"].startswith(RETURN_SENTENCE)


def test_the_prompt_names_the_customers_language_and_holds_the_article_sentence(kb, openai_standin):
    openai_standin.script(content="Tienes 30 días desde la entrega para devolver cualquier artículo.")
    answer = compose("¿Cuántos días tengo para devolver un artículo?", language="es", channel=Channel.SMS)
    request = openai_standin.chat_requests()[0]["body"]
    system, user = (m["content"] for m in request["messages"])
    assert "in Spanish" in system and RETURN_SENTENCE in system
    assert user == "¿Cuántos días tengo para devolver un artículo?"
    assert request["temperature"] == 0 and request["max_tokens"] == 120
    assert answer.method == Method.GENERATED, answer.check.get("failures")
    assert answer.text.endswith(f"\nMás información: Refund policy \u2013 {link(kb['Refund policy'])}")


def test_the_prompt_lists_the_closest_sentences_in_the_articles_order(demo_kb, openai_standin):
    openai_standin.script(content="Der Versand nach Österreich dauert 4-7 Werktage.")
    english = demo_kb[SHIPPING]
    found = Passage(article_id=english.pk, title=english.title, text="", similarity=0.6, text_rank=0.0, score=0.9,
                    language="en", original_id=english.pk)  # fmt: skip
    compose("Wie lange dauert der Versand nach Österreich?", language="de", passages=[found])
    system = openai_standin.chat_requests()[0]["body"]["messages"][0]["content"]
    given = [line[2:] for line in system.splitlines() if line.startswith("- ")]
    at = [plain(english.body).find(sentence) for sentence in given]
    assert len(given) >= 3 and -1 not in at, given
    assert at == sorted(at)  # a list stays in its order, so the small model picks the line that answers
    assert "UK and EU: 4-7 business days, $14.95; duties and taxes are included at checkout" in given


def test_the_model_call_is_recorded_for_the_conversation(kb, openai_standin):
    conversation = ConversationFactory()
    openai_standin.script(content=RETURN_SENTENCE)
    compose(conversation_id=conversation.pk)
    call = LLMCall.objects.get(purpose=answer_module.PURPOSE)
    assert call.conversation_id == conversation.pk and call.outcome == LLMCall.Outcome.OK


def test_a_reply_with_an_invented_number_falls_back_to_the_articles_sentence(kb, openai_standin):
    openai_standin.script(content="You can return any item within 60 days of delivery for a full refund.")
    answer = compose()
    refunds = kb["Refund policy"]
    assert answer.method == Method.EXTRACTIVE and answer.grounded
    assert "60" not in answer.body and "30 days" in answer.body  # the text also holds the link (ids)
    quoted = answer.check["extractive"]["sentences"]
    assert quoted and all(sentence in refunds.body for sentence in quoted)
    assert answer.body == " ".join(quoted)
    assert answer.text.endswith(f"\nMore: Refund policy \u2013 {link(refunds)}")
    assert answer.check["fallback"] == "the generated answer failed the grounding check"
    assert "number: 60 is not in the article" in answer.check["failures"]


def test_a_reply_cut_at_the_token_limit_is_not_sent(kb, openai_standin):
    openai_standin.script(content="You can return any item within 30 days of", finish_reason="length")
    answer = compose()
    assert answer.method == Method.EXTRACTIVE
    assert "cut: the model stopped at its token limit mid-answer" in answer.check["failures"]
    assert answer.body != "You can return any item within 30 days of"


def test_no_answer_from_the_model_gives_the_sentence_that_clearly_answers(kb, openai_standin):
    openai_standin.script(content="NO_ANSWER.")
    answer = compose()
    assert answer.method == Method.EXTRACTIVE and RETURN_SENTENCE in answer.body
    assert "NO_ANSWER" not in answer.text
    assert answer.check["fallback"] == "the AI model found no answer in the article"


@pytest.mark.parametrize("script", [{"status": 500}, {"delay": 4, "content": RETURN_SENTENCE}])
def test_a_failed_or_slow_model_gives_the_articles_sentence(kb, openai_standin, script):
    openai_standin.script(**script)
    answer = compose()
    assert answer.method == Method.EXTRACTIVE and RETURN_SENTENCE in answer.body
    assert answer.check["fallback"] == ("the AI model failed" if "status" in script else "the AI model timed out")
    assert LLMCall.objects.get(purpose=answer_module.PURPOSE).outcome != LLMCall.Outcome.OK


def test_a_failed_model_and_no_sentence_that_answers_hands_off(kb, openai_standin):
    openai_standin.script(status=500)
    question = "Are pets allowed inside?"
    refunds = kb["Refund policy"]
    loose = Passage(article_id=refunds.pk, title=refunds.title, text="", similarity=0.3, text_rank=0.0, score=0.6)
    answer = compose(question, passages=[loose])
    assert answer.method == "" and answer.text == "" and answer.citations == []
    assert answer.handoff_reason.startswith("the AI model failed, and no article sentence clearly answers")


def test_no_time_left_skips_the_model_and_quotes_the_article(kb, openai_standin):
    answer = compose(deadline=time.time() + 0.5)
    assert openai_standin.chat_requests() == []
    assert answer.method == Method.EXTRACTIVE and answer.check["fallback"] == "the AI model timed out"


def test_an_email_fallback_greets_and_puts_the_link_on_its_own_line(kb, openai_standin):
    openai_standin.script(status=500)
    answer = compose(channel=Channel.EMAIL)
    assert answer.body.startswith("Hello,\n\n") and RETURN_SENTENCE in answer.body
    assert answer.text.endswith(f"\n\nMore: Refund policy\n{link(kb['Refund policy'])}")


def test_a_reply_too_long_for_sms_falls_back_to_a_short_quote(kb, openai_standin):
    long_reply = " ".join([RETURN_SENTENCE] * 3)
    openai_standin.script(content=long_reply)
    answer = compose(channel=Channel.SMS)
    assert answer.method == Method.EXTRACTIVE
    assert any(f.startswith("length:") for f in answer.check["failures"])
    assert len(answer.body) <= 320


def test_handoff_from_the_model_under_a_procedure_is_a_handoff(kb, openai_standin):
    procedure = ("Refunds", 1, "Hand every refund request to the Billing team.")
    openai_standin.script(content="HANDOFF", match="Hand every refund request to the Billing team.")
    answer = compose("I want a refund for my order", procedures=[procedure])
    assert answer.handoff_reason == PROCEDURE_HANDOFF
    assert answer.text == "" and answer.citations == [] and answer.method == ""


def test_no_passage_hands_off_without_asking_the_model(db, openai_standin):
    answer = compose(passages=[])
    assert answer.handoff_reason == "no article passage to answer from"
    assert openai_standin.chat_requests() == []


def test_a_failing_sentence_encoder_hands_off_instead_of_raising(kb, openai_standin, monkeypatch):
    passages = kb_search(query=QUESTION, language="en")

    def broken(texts):
        raise LLMError("encoder down")

    monkeypatch.setattr(answer_module, "texts_embed", broken)
    answer = compose(passages=passages)
    assert answer.handoff_reason == "the sentence encoder failed (encoder down)"
    assert answer.text == ""


# ----- the demo shop: some articles have Spanish and German versions ----------------------------------


def test_a_spanish_question_is_answered_from_the_spanish_article_when_the_model_fails(demo_kb, openai_standin):
    openai_standin.script(status=500)
    answer = compose(SPANISH_EXPRESS, language="es")
    spanish = demo_kb["Plazos y destinos de envío"]
    assert answer.method == Method.EXTRACTIVE
    assert all(s in plain(spanish.body) for s in answer.check["extractive"]["sentences"])
    assert "19,95 $" in answer.body and not answer.body.startswith("Según")
    assert answer.citations[0]["article_id"] == spanish.pk
    assert answer.text.endswith(f"\nMás información: Plazos y destinos de envío \u2013 {link(spanish)}")


def test_an_english_passage_is_quoted_from_its_spanish_version(demo_kb, openai_standin):
    openai_standin.script(status=500)
    english, spanish = demo_kb[SHIPPING], demo_kb["Plazos y destinos de envío"]
    found = Passage(article_id=english.pk, title=english.title, text="", similarity=0.6, text_rank=0.0, score=0.9,
                    language="en", original_id=english.pk)  # fmt: skip
    answer = compose(SPANISH_EXPRESS, language="es", passages=[found])
    assert answer.method == Method.EXTRACTIVE and answer.check["extractive"]["language"] == "es"
    assert answer.check["extractive"]["article_id"] == spanish.pk == answer.citations[0]["article_id"]
    assert all(s in plain(spanish.body) for s in answer.check["extractive"]["sentences"])
    assert "19,95 $" in answer.body and not answer.body.startswith("Según")
    assert answer.text.endswith(f"\nMás información: Plazos y destinos de envío \u2013 {link(spanish)}")


def test_without_a_version_in_the_customers_language_the_original_is_quoted_after_a_lead_in(demo_kb, openai_standin):
    openai_standin.script(status=500)
    answer = compose("Combien de temps prend la livraison en France ?", language="fr")
    shipping = demo_kb[SHIPPING]
    assert answer.method == Method.EXTRACTIVE
    assert answer.body.startswith("D'après notre article d'aide : ")
    assert "4-7 business days" in answer.body  # the line for the EU
    assert all(s in plain(shipping.body) for s in answer.check["extractive"]["sentences"])
    assert answer.text.endswith(f"\nEn savoir plus : {SHIPPING} \u2013 {link(shipping)}")


def test_the_extractive_answer_never_quotes_the_articles_heading(kb, openai_standin):
    openai_standin.script(status=500)
    answer = compose("What is your refund policy?")
    assert answer.method == Method.EXTRACTIVE
    assert answer.check["extractive"]["sentences"] != ["Refund policy"]
