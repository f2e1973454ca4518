"""Decisions from labelled examples: intent, the reasons a person should own it, language, and
the nearest examples that explain them, all without a language model."""

from pathlib import Path

import numpy as np
import pytest

from agents import examples
from agents.decisions import message_decide, text_decide
from agents.examples import decision_model, examples_defaults_load, examples_version
from agents.models import Example, Intent, SensitiveTopic
from tests.factories import MessageFactory

SMALL = Path(__file__).resolve().parent.parent / "fixtures" / "ai" / "small_examples.json"
pytestmark = pytest.mark.django_db


@pytest.fixture
def small_examples():
    Example.objects.all().delete()
    examples_defaults_load(path=SMALL)


def test_routine_question_in_another_language_gets_its_intent_and_no_reason(small_examples):
    result = text_decide(text="¿En cuántos días llega el pedido a Sevilla?")
    assert result["language"] == "es"
    assert result["intent"] == "shipping"
    assert result["human_reasons"] in ([], ["unanswerable"])  # this test loads no articles
    assert result["signals"]["sensitive"] < 0.5


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I will take you to court over this", "sensitive"),
        ("Löschen Sie sofort sämtliche Daten, die Sie über mich gespeichert haben", "sensitive"),
        ("Let me talk to a real person please", "asks_human"),
        ("Nobody answers me, this is a disgrace!", "negative"),
    ],
)
def test_reasons_a_person_should_own_it(small_examples, text, reason):
    result = text_decide(text=text)
    assert reason in result["human_reasons"]
    assert result["owner"] == "human"
    assert result["signals"][reason] >= 0.5


def test_the_decision_explains_itself_with_nearest_examples(small_examples):
    result = text_decide(text="I forgot my password, how can I reset it?")
    assert result["intent"] == "account"
    nearest = result["nearest"]
    assert len(nearest) == 3
    assert nearest[0]["label"] == "account"
    assert nearest[0]["similarity"] >= nearest[1]["similarity"]
    assert result["ms"] > 0


def test_an_admin_sensitive_topic_always_means_a_person(small_examples):
    SensitiveTopic.objects.create(phrase="recall")
    result = text_decide(text="Is the blue kettle part of the recall?")
    assert "sensitive_topic" in result["human_reasons"]
    assert result["sensitive_topic"] == "recall"


def test_a_taught_example_changes_the_next_similar_decision(small_examples):
    text = "Can you move my subscription to my wife's account?"
    before = text_decide(text=text)
    Example.objects.create(kind="signal", label="complex_account", text="Transfer my account to my wife",
                           source=Example.Source.TAUGHT)  # fmt: skip
    Example.objects.create(kind="signal", label="complex_account", text="Move our subscription to another owner",
                           source=Example.Source.TAUGHT)  # fmt: skip
    after = text_decide(text=text)
    assert after["signals"]["complex_account"] > before["signals"]["complex_account"]
    assert "complex_account" in after["human_reasons"]


def test_equal_examples_are_fitted_once(small_examples):
    first = decision_model()
    assert decision_model() is first
    Intent.objects.filter(name="shipping").update(active=False)
    assert examples_version() != first.version
    assert "shipping" not in decision_model().intent_head.labels


def test_without_stored_examples_the_shipped_defaults_are_used(tmp_path, monkeypatch):
    monkeypatch.setattr(examples, "DEFAULTS_FILE", SMALL)
    Example.objects.all().delete()
    Intent.objects.get_or_create(name="account")
    assert examples_version()[0].startswith("file:")
    assert text_decide(text="J'ai oublié mon mot de passe")["intent"] == "account"


def test_loading_defaults_twice_adds_nothing(small_examples):
    assert examples_defaults_load(path=SMALL) == 0


def test_the_decision_is_stored_on_the_message_with_the_customers_language(small_examples):
    message = MessageFactory(text="ok", conversation__customer__language="pt")
    result = message_decide(message=message)
    message.refresh_from_db()
    assert message.classification == result
    assert result["language"] == "pt"
    for key in ("intent", "confidence", "sentiment", "urgency", "signals", "human_reasons", "nearest"):
        assert key in result


def test_example_vectors_are_encoded_once_per_machine_not_once_per_process(settings, tmp_path, monkeypatch):
    settings.AI_VECTOR_CACHE_DIR = tmp_path
    monkeypatch.setattr(examples, "_vector_memo", {})
    first = examples._vectors(["where is my parcel", "cancel my box"])
    assert len(list(tmp_path.glob("example-vectors-*.npz"))) == 1

    monkeypatch.setattr(examples, "_vector_memo", {})  # another process of the same machine
    monkeypatch.setattr(examples, "texts_embed", lambda texts: pytest.fail(f"encoded again: {texts}"))
    again = examples._vectors(["cancel my box", "where is my parcel"])
    assert np.allclose(again, first[::-1])


def test_a_broken_vector_cache_is_encoded_again_and_replaced(settings, tmp_path, monkeypatch):
    settings.AI_VECTOR_CACHE_DIR = tmp_path
    monkeypatch.setattr(examples, "_vector_memo", {})
    examples._vectors(["hello"])
    (cache,) = tmp_path.glob("example-vectors-*.npz")
    cache.write_bytes(b"not a numpy file")

    monkeypatch.setattr(examples, "_vector_memo", {})
    vectors = examples._vectors(["hello"])

    assert vectors.shape == (1, settings.AI_EMBEDDING_DIMENSIONS)
    monkeypatch.setattr(examples, "_vector_memo", {})
    monkeypatch.setattr(examples, "texts_embed", lambda texts: pytest.fail("the cache was not replaced"))
    assert np.allclose(examples._vectors(["hello"]), vectors)


@pytest.mark.django_db(transaction=True)
def test_a_worker_warms_the_decisions_before_its_first_message(monkeypatch):
    from config.celery import _decisions_warm

    monkeypatch.setattr(examples, "_cache", {})
    _decisions_warm()  # the Celery worker_init hook

    assert len(examples._cache) == 1
    fitted = next(iter(examples._cache.values()))
    assert fitted.intent_head is not None and decision_model() is fitted  # the first message refits nothing


def test_fitted_heads_are_reused_by_another_process_and_refitted_when_examples_change(settings, tmp_path, monkeypatch):
    settings.AI_VECTOR_CACHE_DIR = tmp_path
    examples_defaults_load(path=SMALL)
    monkeypatch.setattr(examples, "_cache", {})
    fitted = decision_model()
    question = examples._vectors(["where is my parcel?"])[0]

    monkeypatch.setattr(examples, "_cache", {})  # another process of the same machine
    monkeypatch.setattr(examples.LinearHead, "fit", lambda *a, **k: pytest.fail("fitted again"))
    loaded = decision_model()
    assert loaded.intent_head.predict(question) == pytest.approx(fitted.intent_head.predict(question))
    assert loaded.reason_head.labels == fitted.reason_head.labels

    monkeypatch.undo()
    settings.AI_VECTOR_CACHE_DIR = tmp_path
    Example.objects.create(kind="intent", label="returns", text="can I swap these boots for a bigger size?")
    assert decision_model().version != fitted.version
    assert len(list(tmp_path.glob("decision-heads-*.npz"))) == 2
