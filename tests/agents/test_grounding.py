"""The grounding check every AI reply passes before it is sent (agents/grounding.py).

No database and no model call: the sentence encoder runs in-process (USE multilingual).
"""

import pytest

from agents.grounding import CHANNEL_LIMITS, article_sentences, currencies_find, grounding_check, quantities_find
from agents.knowledge import Passage
from inbox.models import Channel

REFUND = (
    "You can return any item within 30 days of delivery for a full refund. Refunds go back to the original "
    "payment method within 5 business days after we receive the parcel."
)
SHIPPING = (
    "Standard shipping takes 3 to 5 business days. Express shipping costs $19.95 and arrives the next business "
    "day when ordered before 2 pm. You get a tracking number by email when the parcel leaves."
)
PASSWORD = "Open the login page and click 'Forgot password'. We email a reset link that is valid for 30 minutes."


def passage(text: str, title: str = "Refund policy", article_id: int = 1, language: str = "en") -> Passage:
    return Passage(article_id=article_id, title=title, text=text, similarity=0.8, text_rank=0.1, score=0.9,
                   language=language, original_id=article_id)  # fmt: skip


def check(text, *, passages=None, language="en", channel=Channel.CHAT, question="", extra=None):
    passages = [passage(REFUND)] if passages is None else passages
    return grounding_check(
        text=text, passages=passages, language=language, channel=channel, question=question, extra=extra
    )


def test_a_reply_restating_the_articles_number_passes():
    result = check("You can return any item within 30 days of delivery for a full refund.")
    assert result.passed and result.failures == []
    assert result.numbers == ["30"] and result.unsupported_numbers == []
    assert result.supporting == [0] and result.language == "en"
    assert result.supported_share == 1.0


def test_an_invented_number_fails_and_the_failure_names_it():
    result = check("You can return any item within 45 days of delivery for a full refund.")
    assert not result.passed and not result.numbers_ok
    assert result.failures == ["number: 45 is not in the article"]
    assert result.unsupported_numbers == ["45"]


def test_an_invented_price_fails_on_its_number_and_its_currency():
    result = check("You can return any item within 30 days for a full refund; return shipping costs $9.99.")
    assert not result.passed
    assert "number: 9.99 is not in the article" in result.failures
    assert "currency: USD is not in the article" in result.failures


def test_the_articles_number_with_another_unit_fails():
    result = check("You can return any item within 30 weeks of delivery for a full refund.")
    assert not result.passed
    assert result.failures == ["unit: 30 weeks is not what the article says"]


def test_an_invented_time_of_day_fails():
    result = check("Express shipping arrives the next business day when ordered before 4 pm.",
                   passages=[passage(SHIPPING, "Shipping times")])  # fmt: skip
    assert len(result.failures) == 1 and result.failures[0].startswith("number: 4 pm")


@pytest.mark.parametrize(
    ("reply", "language", "source"),
    [
        ("El envío exprés cuesta 19,95 $ y llega al día hábil siguiente.", "es", SHIPPING),
        ("Der Expressversand kostet 19,95 $ und kommt am nächsten Werktag.", "de", SHIPPING),
        ("Express shipping arrives the next business day when ordered before 14:00.", "en", SHIPPING),
        ("Puedes devolver cualquier artículo en un plazo de 30 días desde la entrega.", "es", REFUND),
        ("Puedes devolver cualquier artículo en un plazo de treinta días desde la entrega.", "es", REFUND),
        ("Der Reset-Link ist 30 Minuten gültig.", "de", PASSWORD),
    ],
)
def test_numbers_written_differently_are_the_articles_numbers(reply, language, source):
    result = check(reply, passages=[passage(source, "Help")], language=language)
    assert result.numbers_ok, result.failures
    assert result.unsupported_numbers == []


@pytest.mark.parametrize(
    ("reply", "language", "failure"),
    [
        ("El envío exprés cuesta 29,95 $ y llega al día hábil siguiente.", "es", "number: 29,95 is not in the article"),
        ("El envío exprés cuesta 19,95 € y llega al día hábil siguiente.", "es", "currency: EUR is not in the article"),
        ("Puedes devolver cualquier artículo en un plazo de 30 semanas.", "es", "unit: 30 weeks"),
        ("Der Expressversand kommt in sieben Tagen.", "de", "number: sieben is not in the article"),
    ],
)
def test_a_changed_number_is_caught_in_other_languages_too(reply, language, failure):
    result = check(reply, passages=[passage(SHIPPING if "xpr" in reply else REFUND, "Help")], language=language)
    assert not result.passed
    assert any(f.startswith(failure) for f in result.failures), result.failures


def test_a_sentence_the_article_does_not_support_fails_and_is_named():
    result = check(
        "You can return any item within 30 days of delivery for a full refund. "
        "We also send you a free gift voucher for your next purchase."
    )
    assert not result.passed
    assert len(result.failures) == 1 and result.failures[0].startswith("support: \u201cWe also send you a free gift")
    assert result.supported_share == 0.5
    assert [s["support"] >= result.threshold for s in result.sentences] == [True, False]


def test_a_spanish_reply_grounded_in_an_english_article_passes():
    result = check(
        "Puedes devolver cualquier artículo en un plazo de 30 días desde la entrega para un reembolso completo.",
        language="es",
    )
    assert result.passed, result.failures
    assert result.language == "es" and result.supporting == [0]


def test_a_reply_in_another_language_than_the_customers_fails():
    result = check("You can return any item within 30 days of delivery for a full refund.", language="es")
    assert not result.passed
    assert result.failures == ["language: the reply is in en, the customer's is es"]


def test_a_reply_too_long_for_sms_fails_but_fits_an_email():
    text = (
        "You can return any item within 30 days of delivery for a full refund. Refunds go back to the original "
        "payment method within 5 business days after we receive the parcel. So you can return any item within "
        "30 days of delivery."
    )
    sms = check(text, channel=Channel.SMS)
    assert not sms.passed and sms.limit == list(CHANNEL_LIMITS[Channel.SMS])
    assert sms.failures == [f"length: 3 sentences, {len(text)} characters (at most 2, 320)"]
    assert check(text, channel=Channel.EMAIL).passed
    assert check(text, channel=None).limit is None


def test_one_long_sentence_over_the_sms_characters_fails():
    text = "You can return any item within 30 days of delivery for a full refund, " * 5
    result = check(text.strip(" ,") + ".", channel=Channel.SMS)
    assert any(f.startswith("length: 1 sentences") for f in result.failures)


def test_greetings_and_sign_offs_are_not_counted_against_the_reply():
    result = check("Hi Maya,\nYou can return any item within 30 days of delivery for a full refund.\nHope this helps!")
    assert result.passed, result.failures
    assert [s["filler"] for s in result.sentences] == [True, False, True]


def test_a_how_long_question_answered_without_a_number_fails():
    result = check("Refunds go back to the original payment method.", question="How long do refunds take?")
    assert "number: the question asks for a number, time or price and the reply gives none" in result.failures
    assert check("Refunds go back to the original payment method.", question="Where does my refund go?").passed


def test_a_procedures_text_supports_a_reply_like_an_article():
    reply = "You can return any item within 30 days. Orders over $500 are refunded by bank transfer."
    procedure = "Orders over $500 are refunded by bank transfer, never to the card."
    assert not check(reply).passed
    result = check(reply, extra=[procedure])
    assert result.passed, result.failures
    assert result.supporting == [0]  # the procedure (-1) is no article to cite


def test_supporting_names_the_passage_each_sentence_comes_from():
    passages = [passage(REFUND), passage(SHIPPING, "Shipping times", article_id=2)]
    result = check("Standard shipping takes 3 to 5 business days.", passages=passages)
    assert result.passed and result.supporting == [1]


def test_list_numbering_in_a_reply_is_no_number_to_check():
    result = check("1. Open the login page and click 'Forgot password'.\n2. Open the reset link within 30 minutes.",
                   passages=[passage(PASSWORD, "Resetting your password")])  # fmt: skip
    assert result.passed, result.failures
    assert result.numbers == ["30"]


def test_a_link_or_email_address_not_in_the_article_fails():
    result = check("Write to refunds@example.net to return any item within 30 days of delivery.")
    assert result.failures == ["link: refunds@example.net is not in the article"]


@pytest.mark.parametrize(
    ("text", "failure"),
    [("", "empty: the reply has no text"), ("NO_ANSWER", "sentinel: the reply contains NO_ANSWER")],
)
def test_an_empty_reply_or_a_sentinel_fails(text, failure):
    result = check(text)
    assert not result.passed and failure in result.failures


def test_quantities_find_reads_ranges_times_and_number_words():
    assert [(q.values, q.unit) for q in quantities_find("5-7 business days", "en")] == [
        ({5.0}, "day"), ({7.0}, "day")
    ]  # fmt: skip
    assert 14.0 in quantities_find("before 2 pm", "en")[0].values
    assert quantities_find("14:00", "de")[0].values == {14.0}
    assert quantities_find("9,90 €", "de")[0].values == quantities_find("€9.90", "en")[0].values == {9.9}
    assert [(q.values, q.unit) for q in quantities_find("zwei Wochen", "de")] == [({2.0}, "week")]
    assert quantities_find("zwei Wochen", "en") == []  # number words are per language


def test_a_price_with_thousands_separator_and_cents_is_the_same_price_without_them():
    article = passage("The repair costs $1,250.00 and takes 2 weeks.", "Repairs")
    assert 1250.0 in quantities_find("$1,250.00", "en")[0].values
    assert check("The repair costs $1,250 and takes 2 weeks.", passages=[article]).passed


def test_currencies_find_knows_symbols_codes_and_words():
    assert currencies_find("19,95 $ o 10 euros") == {"USD", "EUR"}
    assert currencies_find("£5 or 20 dollars") == {"GBP", "USD"}
    assert currencies_find("USD 5, EUR 4") == {"USD", "EUR"}
    assert currencies_find("30 days") == set()


RATES = (
    "**Delivery times and costs**\n\n"
    "- Germany, France and Austria: 2-4 business days, €5.95\n"
    "- Spain, Portugal and Italy: 3-6 business days, €7.95\n\n"
    "**Barista - €49 per month**\n"
    "Everything in the Espresso plan, plus a machine on loan.\n\n"
    "**Who pays for return shipping?**\n"
    "Returns of damaged items are free."
)


def test_article_sentences_carry_their_heading_but_not_a_question_heading():
    assert article_sentences(RATES, "Shipping") == [
        ("Delivery times and costs", "Germany, France and Austria: 2-4 business days, €5.95"),
        ("Delivery times and costs", "Spain, Portugal and Italy: 3-6 business days, €7.95"),
        ("Barista - €49 per month", "Everything in the Espresso plan, plus a machine on loan."),
        ("", "Returns of damaged items are free."),
    ]
    listed = article_sentences("We ship to the EU. What it costs:\n\n- EU: €5\n\nWe never ship on Sundays.", "X")
    assert listed == [("", "We ship to the EU."), ("What it costs", "EU: €5"), ("", "We never ship on Sundays.")]


def test_numbers_of_another_country_than_the_one_asked_about_fail():
    rates = [passage(RATES, title="Shipping")]
    wrong = check("Der Versand nach Österreich dauert 3-6 Tage und kostet 7,95 €.", passages=rates, language="de",
                  question="Versandkosten nach Österreich?")  # fmt: skip
    assert not wrong.passed and any(f.startswith("binding") for f in wrong.failures), wrong.failures
    right = check("Der Versand nach Österreich dauert 2-4 Werktage und kostet 5,95 €.", passages=rates,
                  language="de", question="Versandkosten nach Österreich?")  # fmt: skip
    assert right.passed, right.failures
    # Its numbers stand on the line that names Austria: that supports it, whatever the cosine to the line.
    assert right.sentences[0]["by_number"]


def test_a_question_naming_nothing_the_article_lists_is_not_bound():
    rates = [passage(RATES, title="Shipping")]
    result = check("Delivery takes 3-6 business days and costs €7.95.", passages=rates,
                   question="How long does delivery take?")  # fmt: skip
    assert not any(f.startswith("binding") for f in result.failures)
