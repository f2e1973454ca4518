import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from agents.knowledge import kb_search
from agents.models import AIConversationState
from config.asgi import application
from inbox.models import Channel, Message
from inbox.services import message_receive
from tests.agents.kb import kb_load
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(user=None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return headers


@async_to_sync
async def converse(headers, *messages, until=("done", "error")):
    """Connect, send ``messages``, collect replies until one whose type is in ``until``."""
    communicator = WebsocketCommunicator(application, "/ws/copilot/", headers=headers)
    connected, code = await communicator.connect()
    received = []
    try:
        if connected:
            for message in messages:
                await communicator.send_json_to(message)
            # A hang guard, not a speed check: on a machine's first run the first draft also fits the
            # decision heads its retrieval uses (a web process warms them at start, config/asgi.py).
            while not received or received[-1]["type"] not in until:
                received.append(await communicator.receive_json_from(timeout=30))
    finally:
        # As a server would, also after a refusal: a consumer left running until its event loop
        # closed hung that loop's shutdown now and then (its channel-layer receive, cancelled).
        await communicator.disconnect()
    return connected, code, received


def test_only_agents_may_open_the_copilot_socket():
    assert converse(_headers())[:2] == (False, 4403)
    assert converse(_headers(UserFactory()))[:2] == (False, 4403)


def test_drafting_for_a_conversation_that_does_not_exist_is_refused():
    _, _, received = converse(_headers(AgentFactory().user), {"action": "draft", "conversation_id": 424242})
    assert received == [{"type": "error", "reason": "no such conversation"}]


def test_the_draft_streams_token_by_token_with_citations(openai_standin):
    articles = kb_load()
    message = message_receive(channel=Channel.EMAIL, address="maya@example.com", text="When will my parcel arrive?")
    openai_standin.script(chunks=["Hi Maya, ", "standard shipping ", "takes 3-5 days ", "[1]."])

    connected, _, received = converse(
        _headers(AgentFactory().user), {"action": "draft", "conversation_id": message.message.conversation_id}
    )

    assert connected
    assert received[0] == {"type": "start", "conversation_id": message.message.conversation_id}
    assert [m["text"] for m in received if m["type"] == "token"] == [
        "Hi Maya, ",
        "standard shipping ",
        "takes 3-5 days ",
        "[1].",
    ]
    done = received[-1]
    assert done["type"] == "done" and done["finish_reason"] == "stop"
    shipping = articles["Shipping times"]
    assert done["citations"] == [
        {
            "n": 1,
            "article_id": shipping.pk,
            "title": "Shipping times",
            "url": f"/ai/articles/{shipping.pk}/",
            "inline": True,
        }
    ]
    prompt = openai_standin.chat_requests()[0]["body"]["messages"]
    assert "[1] Shipping times" in prompt[0]["content"] and "by email" in prompt[0]["content"]
    assert "Write it in English." in prompt[0]["content"]
    assert "When will my parcel arrive?" in prompt[1]["content"]


def _draft(openai_standin, *, text: str, chunks: list[str], classification: dict | None = None):
    """Draft a reply to a customer's email ``text`` (the model answers ``chunks``): (done event, prompt)."""
    received = message_receive(channel=Channel.EMAIL, address="lucia@example.com", text=text, name="Lucía")
    if classification is not None:
        Message.objects.filter(pk=received.message.pk).update(classification=classification)
    openai_standin.script(chunks=chunks)
    _, _, replies = converse(
        _headers(AgentFactory().user), {"action": "draft", "conversation_id": received.message.conversation_id}
    )
    assert replies[-1]["type"] == "done", replies[-1]
    system, user = openai_standin.chat_requests()[0]["body"]["messages"]
    return replies[-1], system["content"], user["content"]


def _cited(article, *, n: int, inline: bool) -> dict:
    return {
        "n": n,
        "article_id": article.pk,
        "title": article.title,
        "url": f"/ai/articles/{article.pk}/",
        "inline": inline,
    }


def test_a_spanish_customer_gets_a_spanish_draft_cited_from_the_english_article(openai_standin):
    articles = kb_load()  # English only: the Spanish question shares no word with its article
    done, system, user = _draft(
        openai_standin,
        text="¿Cuándo llegará mi paquete?",
        chunks=["Hola Lucía, ", "el envío estándar tarda ", "de 3 a 5 días hábiles [1]."],
    )

    assert "Write it in Spanish." in system and user.endswith("Write the agent's next reply in Spanish.")
    assert "[1] Shipping times: Standard shipping takes 3 to 5 business days" in system
    assert "cite them by number, like [1] or [2]" in system
    assert done["citations"] == [_cited(articles["Shipping times"], n=1, inline=True)]


def test_the_classifiers_language_wins_over_detecting_a_short_text(openai_standin):
    # n-grams read a bare "ok" as English; the classifier had the customer's earlier French as a hint.
    kb_load()
    _, system, user = _draft(openai_standin, text="ok", chunks=["Parfait !"], classification={"language": "fr"})
    assert "Write it in French." in system and user.endswith("in French.")


QUESTION = "¿Cuánto tarda en llegar mi pedido?"  # answered by "Shipping times", then "Changing your delivery address"


def test_markers_link_the_articles_they_number(openai_standin):
    articles = kb_load()
    done, system, _ = _draft(
        openai_standin,
        text=QUESTION,
        classification={"language": "es"},
        chunks=["Puede cambiar la dirección ", "hasta que se prepare el pedido [2]", " (ver [7])."],
    )
    assert "[1] Shipping times" in system and "[2] Changing your delivery address" in system
    # [7] numbers no source: ignored rather than linked to something.
    assert done["citations"] == [_cited(articles["Changing your delivery address"], n=2, inline=True)]


def test_a_draft_without_markers_still_lists_the_top_passage_as_its_source(openai_standin):
    articles = kb_load()
    done, _, _ = _draft(
        openai_standin, text=QUESTION, classification={"language": "es"}, chunks=["Tarda de 3 a 5 días hábiles."]
    )
    assert done["citations"] == [_cited(articles["Shipping times"], n=1, inline=False)]


def test_passages_below_the_retrieval_threshold_are_not_offered(openai_standin, settings):
    articles = kb_load()
    weak = [p.title for p in kb_search(query=QUESTION, language="es") if p.score < settings.AI_MIN_RETRIEVAL_SCORE]
    assert len(weak) >= 2  # the premise: the search does return weak passages for this question

    done, system, _ = _draft(
        openai_standin, text=QUESTION, classification={"language": "es"}, chunks=["Tarda 3-5 días [3]."]
    )
    assert "[2] Changing your delivery address" in system and "[3]" not in system
    assert not [title for title in weak if title in system]
    # [3] would have been the first weak passage: it links nothing, so the top passage is the source.
    assert done["citations"] == [_cited(articles["Shipping times"], n=1, inline=False)]


def test_with_no_passage_that_answers_the_draft_says_what_to_check(openai_standin):
    kb_load()
    done, system, _ = _draft(
        openai_standin,
        text="¿Vendéis tarjetas regalo?",
        classification={"language": "es"},
        chunks=["Hola, lo consulto y le digo [1]."],
    )
    assert "No help article answers this: say what the agent should check instead of inventing facts." in system
    assert "Sources:" not in system and "[1] " not in system
    assert done["citations"] == []


def test_a_model_failure_is_reported_to_the_agent(openai_standin):
    message = message_receive(channel=Channel.EMAIL, address="maya@example.com", text="Hello?")
    openai_standin.script(status=500)
    _, _, received = converse(
        _headers(AgentFactory().user), {"action": "draft", "conversation_id": message.message.conversation_id}
    )
    assert received[-1]["type"] == "error" and "did not answer" in received[-1]["reason"]
    assert not [m for m in received if m["type"] in ("token", "done")]


def test_a_local_model_that_is_not_ready_says_so(settings, openai_standin, tmp_path, monkeypatch):
    from agents import localmodel

    settings.AI_LOCAL_MODEL = True
    monkeypatch.setattr(localmodel, "STATUS_FILE", tmp_path / "local-llm.json")
    localmodel._write(state="building", percent=42)
    message = message_receive(channel=Channel.EMAIL, address="maya@example.com", text="Hello?")
    _, _, received = converse(
        _headers(AgentFactory().user), {"action": "draft", "conversation_id": message.message.conversation_id}
    )
    assert received == [{"type": "error", "reason": "Local model not ready yet: building (42%)"}]
    assert openai_standin.requests == []


def test_typing_tells_the_ai_agent_to_hold_back():
    message = message_receive(channel=Channel.EMAIL, address="maya@example.com", text="Hello?")
    conversation_id = message.message.conversation_id
    converse(
        _headers(AgentFactory().user),
        {"action": "typing", "conversation_id": conversation_id},
        {"action": "nope", "conversation_id": conversation_id},
        until=("error",),
    )
    state = AIConversationState.objects.get(conversation_id=conversation_id)
    assert state.human_typing_until > timezone.now()


def test_closing_the_composer_mid_draft_stops_the_model_stream(openai_standin):
    import time

    from agents.models import LLMCall

    message = message_receive(channel=Channel.EMAIL, address="maya@example.com", text="Hello?")
    openai_standin.script(chunks=[f"w{i} " for i in range(40)], chunk_delay=0.05)
    headers = _headers(AgentFactory().user)

    @async_to_sync
    async def draft_then_leave():
        communicator = WebsocketCommunicator(application, "/ws/copilot/", headers=headers)
        await communicator.connect()
        await communicator.send_json_to({"action": "draft", "conversation_id": message.message.conversation_id})
        while (await communicator.receive_json_from(timeout=10))["type"] != "token":
            pass
        await communicator.disconnect()

    draft_then_leave()
    deadline = time.monotonic() + 10
    while not LLMCall.objects.filter(purpose="copilot_draft").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    call = LLMCall.objects.get(purpose="copilot_draft")
    assert call.outcome == "cancelled" and call.completion_tokens < 40
