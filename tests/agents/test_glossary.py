"""The support glossary: words in five languages to shared concepts, as customers type them."""

from agents.glossary import text_concepts


def test_words_in_different_languages_name_the_same_concept():
    english = text_concepts("Phone: +31 30 555 0142", "en")
    assert "phone" in english
    for text, language in [("Wie lautet eure Telefonnummer?", "de"), ("¿cuál es vuestro teléfono?", "es"),
                           ("quel est votre numéro de téléphone ?", "fr"), ("qual é o telefone?", "pt")]:  # fmt: skip
        assert "phone" in text_concepts(text, language) & english, text


def test_missing_accents_and_inflections_still_match():
    assert "shipping" in text_concepts("cuanto tarda el envio a madrid", "es")
    assert text_concepts("devoluciones", "es") == text_concepts("devolución", "es")
    assert text_concepts("Mot de passe oublie", "fr") == text_concepts("mot de passe oublié", "fr")


def test_german_compounds_name_their_parts():
    assert {"return_label", "label"} <= text_concepts("Wo finde ich das Rücksendeetikett?", "de")


def test_other_endings_are_not_dropped():
    # "personal data" is about data, not about reaching a person
    assert "human_agent" in text_concepts("can I talk to a person?", "en")
    assert "human_agent" not in text_concepts("what personal data do you keep?", "en")


def test_a_language_without_terms_names_nothing():
    assert text_concepts("Telefon", "xx") == frozenset()
