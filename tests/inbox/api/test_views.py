import pytest

from inbox.models import Channel, Conversation, Message
from inbox.services import message_receive
from tests.factories import AgentFactory, ConversationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_no_token_or_a_bad_one_is_refused_with_a_reason(client):
    response = client.get("/api/v1/conversations")
    assert response.status_code == 401 and "Bearer" in response.json()["error"]
    response = client.get("/api/v1/conversations", headers={"Authorization": "Bearer inb_nope"})
    assert response.status_code == 401 and response.json()["detail"] == "Unknown or revoked token"
    assert response.json()["error"] == "Unknown or revoked token"  # the first version's field, kept


def test_a_revoked_token_stops_working(api, api_token):
    from inbox.api.models import Integration

    assert api.get("conversations").status_code == 200
    Integration.objects.update(active=False)
    assert api.get("conversations").status_code == 401


def test_a_session_login_is_not_an_api_token(agent_client):
    assert agent_client.get("/api/v1/conversations").status_code == 401


def test_conversations_are_listed_newest_first_with_a_cursor(api):
    for i in range(5):
        message_receive(channel=Channel.SMS, address=f"+1555123000{i}", text=f"hi {i}")
    ids = list(Conversation.objects.order_by("-pk").values_list("pk", flat=True))

    first = api.get("conversations", limit=2).json()
    assert [c["id"] for c in first["results"]] == ids[:2]
    second = api.client.get(first["next"], headers=api.headers).json()
    assert [c["id"] for c in second["results"]] == ids[2:4]
    assert api.get("conversations", limit="x").status_code == 400
    assert api.get("conversations", status="bogus").status_code == 400


def test_lists_are_a_constant_number_of_queries(api, django_assert_max_num_queries):
    message_receive(channel=Channel.SMS, address="+15551230000", text="hi")
    with django_assert_max_num_queries(10) as small:
        api.get("customers")
        api.get("conversations")
    for i in range(30):
        message_receive(channel=Channel.EMAIL, address=f"c{i}@example.com", text="hi")
    with django_assert_max_num_queries(len(small.captured_queries)):
        api.get("customers")
        api.get("conversations")


def test_a_customer_shows_all_their_contact_points(api):
    message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="hi", name="Maya")
    message_receive(channel=Channel.SMS, address="+15551230000", text="hi again")
    customer = api.get("customers").json()["results"][0]
    assert customer["name"] == "Maya"
    assert {(cp["kind"], cp["address"]) for cp in customer["contact_points"]} == {
        ("whatsapp", "+15551230000"),
        ("phone", "+15551230000"),
    }
    assert api.get(f"customers/{customer['id']}").json() == customer
    assert api.get("customers/999999").status_code == 404


def test_reply_note_assign_and_resolve_through_the_api(api):
    conversation = message_receive(channel=Channel.SMS, address="+15551230000", text="hi").message.conversation
    agent = AgentFactory()
    team = TeamFactory()

    reply = api.post(f"conversations/{conversation.pk}/messages", {"channel": "sms", "text": "Hello!"})
    assert reply.status_code == 201 and reply.json()["direction"] == "outbound"
    assert reply.json()["delivery_status"] is not None
    note = api.post(f"conversations/{conversation.pk}/notes", {"text": "FYI"})
    assert note.status_code == 201 and note.json()["direction"] == "note"
    assigned = api.post(
        f"conversations/{conversation.pk}/assignment",
        {"owner": "human", "assignee_id": agent.user.pk, "team_id": team.pk},
    )
    assert assigned.json()["assignee_id"] == agent.user.pk and assigned.json()["team_id"] == team.pk
    resolved = api.post(f"conversations/{conversation.pk}/status", {"status": "resolved"})
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]

    messages = api.get(f"conversations/{conversation.pk}/messages").json()["results"]
    assert [m["text"] for m in messages][-3:] == ["FYI", "Hello!", "hi"]


@pytest.mark.parametrize(
    ("path", "body", "status", "reason"),
    [
        ("messages", {"channel": "email", "text": "x"}, 400, "cannot be reached on Email"),
        ("messages", {"channel": "sms"}, 400, "'text' is required"),
        ("messages", "not json", 400, "not valid JSON"),
        ("messages", "[1, 2]", 400, "JSON object"),
        ("assignment", {"owner": "human"}, 400, "Choose the agent"),
        ("assignment", {"owner": "human", "assignee_id": 999999}, 400, "No user"),
        ("status", {"status": "snoozed", "snoozed_until": "tomorrow"}, 400, "ISO 8601"),
        ("status", {"status": "snoozed", "snoozed_until": "2030-01-01T10:00:00"}, 400, "time zone"),
    ],
)
def test_bad_requests_get_a_reason_and_store_nothing(api, path, body, status, reason):
    conversation = message_receive(channel=Channel.SMS, address="+15551230000", text="hi").message.conversation
    response = api.post(f"conversations/{conversation.pk}/{path}", body)
    assert response.status_code == status
    assert reason in response.json()["error"]
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_oversized_bodies_and_wrong_methods_are_refused(api):
    conversation = ConversationFactory()
    big = api.post(f"conversations/{conversation.pk}/notes", {"text": "x" * 300_000})
    assert big.status_code == 413
    assert api.client.delete("/api/v1/conversations", headers=api.headers).status_code == 405
    wrong_type = api.client.post(
        f"/api/v1/conversations/{conversation.pk}/notes", "text=hi", content_type="text/plain", headers=api.headers
    )
    assert wrong_type.status_code == 415


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/conversations/12/nope", "/api/v2/conversations",
                                  "/api/"])  # fmt: skip
def test_an_unknown_api_address_answers_json_problem_details_not_a_debug_page(client, path, settings):
    settings.DEBUG = True  # what a newcomer runs: Django's debug 404 page used to answer here
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found" and "openapi.json" in body["detail"]


def test_a_get_with_a_trailing_slash_is_redirected_to_the_route(client):
    response = client.get("/api/v1/conversations/?limit=5")
    assert response.status_code == 301 and response["Location"] == "/api/v1/conversations?limit=5"
    assert client.post("/api/v1/conversations/").status_code == 404  # a change is never redirected


def test_every_api_failure_is_problem_details(client):
    wrong_method = client.delete("/api/v1/conversations")
    assert wrong_method.status_code == 405 and wrong_method["Allow"] == "GET"
    assert wrong_method["Content-Type"] == "application/problem+json" and wrong_method.json()["status"] == 405
    unauthorised = client.get("/api/v1/conversations")
    assert unauthorised.status_code == 401 and unauthorised.json()["title"] == "Unauthorized"


def test_a_crash_in_an_api_view_is_a_logged_json_500(client, api_token, monkeypatch, caplog):
    from inbox.api import views

    monkeypatch.setattr(views, "conversations_visible_q", lambda user: 1 / 0)
    response = client.get("/api/v1/conversations", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert response.status_code == 500 and response.json()["status"] == 500
    assert "ZeroDivisionError" in caplog.text
