import pytest

from agents.classification import message_classify
from agents.models import Intent
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

GOOD = {"intent": "refund", "confidence": 0.92, "sentiment": "negative", "urgency": "high", "language": "de"}


def test_the_classification_is_stored_on_the_message(openai_standin):
    openai_standin.script(json=GOOD)
    message = MessageFactory(text="Ich will mein Geld zurück!")
    assert message_classify(message=message) == GOOD
    message.refresh_from_db()
    assert message.classification == GOOD


def test_the_model_may_only_choose_active_intents_from_the_admin_list(openai_standin):
    Intent.objects.create(name="warranty", description="Warranty claims")
    Intent.objects.filter(name="sales").update(active=False)
    openai_standin.script(json={**GOOD, "intent": "warranty"})
    result = message_classify(message=MessageFactory(text="My kettle broke after 10 months"))
    assert result["intent"] == "warranty"
    schema = openai_standin.chat_requests()[0]["body"]["response_format"]["json_schema"]["schema"]
    assert (
        "warranty" in schema["properties"]["intent"]["enum"] and "sales" not in schema["properties"]["intent"]["enum"]
    )
    assert "Warranty claims" in openai_standin.chat_requests()[0]["body"]["messages"][0]["content"]


def test_answers_off_the_lists_are_clamped_to_safe_values(openai_standin):
    openai_standin.script(
        json={"intent": "made_up", "confidence": 7, "sentiment": "furious", "urgency": "asap", "language": "English"}
    )
    result = message_classify(message=MessageFactory(text="hm"))
    assert result == {
        "intent": "other",
        "confidence": 0.0,
        "sentiment": "neutral",
        "urgency": "normal",
        "language": "en",
    }


@pytest.mark.parametrize("script", [{"status": 500}, {"content": "not json"}])
def test_a_failure_is_stored_as_an_error_and_never_raised(openai_standin, script):
    openai_standin.script(**script)
    message = MessageFactory(text="hello")
    result = message_classify(message=message)
    assert set(result) == {"error"} and result["error"]
    message.refresh_from_db()
    assert message.classification == result


def test_a_local_model_that_is_not_ready_is_an_error_without_waiting(openai_standin, settings, tmp_path, monkeypatch):
    from agents import localmodel

    settings.AI_LOCAL_MODEL = True
    monkeypatch.setattr(localmodel, "STATUS_FILE", tmp_path / "local-llm.json")
    localmodel._write(state="starting")
    result = message_classify(message=MessageFactory(text="hello"))
    assert result == {"error": "Local model not ready yet: starting"}
    assert openai_standin.requests == []


@pytest.mark.parametrize(("said", "code"), [("es", "es"), ("Spanish", "es"), ("pt-BR", "pt"), ("klingon", "")])
def test_the_language_is_an_iso_639_1_code_or_empty(openai_standin, said, code):
    openai_standin.script(json={**GOOD, "language": said})
    assert message_classify(message=MessageFactory(text="hola"))["language"] == code
