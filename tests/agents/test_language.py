"""Language identification on the short, sloppy texts customers send."""

import pytest

from agents.language import language_detect

SENTENCES = [
    ("Where is my parcel? It was due yesterday.", "en"),
    ("¿Cuánto tarda el envío a Valencia?", "es"),
    ("cuanto tarda el envio a valencia", "es"),
    ("Wann kommt mein Paket an?", "de"),
    ("wo is mein paket", "de"),
    ("vcs abrem no domingo?", "pt"),
    ("esqueci a senha da minha conta", "pt"),
    ("Je voudrais retourner mes chaussures", "fr"),
    ("ou est ma commande", "fr"),
]


@pytest.mark.parametrize(("text", "language"), SENTENCES)
def test_sentences_in_each_language(text, language):
    assert language_detect(text)[0] == language


@pytest.mark.parametrize(("text", "language"), [("merci !", "fr"), ("obrigado", "pt"), ("danke", "de"),
                                                ("gracias!!", "es"), ("thx", "en")])  # fmt: skip
def test_one_word_thanks(text, language):
    assert language_detect(text)[0] == language


def test_a_short_unsure_text_keeps_the_customers_language():
    # "ok" says nothing on its own; after French messages it is French.
    assert language_detect("ok", hint="fr")[0] == "fr"
    assert language_detect("ok", hint="de")[0] == "de"


def test_a_clear_sentence_overrides_the_hint():
    assert language_detect("Hallo, ich möchte mein Abo kündigen", hint="fr")[0] == "de"


def test_confidence_is_higher_for_a_sentence_than_for_a_word():
    _, word = language_detect("horario?")
    _, sentence = language_detect("¿A qué hora abren la tienda los sábados por la mañana?")
    assert sentence > word


def test_empty_text_falls_back():
    assert language_detect("", hint="pt") == ("pt", 0.0)
    assert language_detect("  !! ")[1] == 0.0
