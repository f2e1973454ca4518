"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json."""

from inbox.api.models import WEBHOOK_EVENTS
from inbox.models import Channel, Conversation, Message


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _problem() -> dict:
    return {"content": {"application/problem+json": {"schema": _ref("Error")}}}


def _page_of(name: str) -> dict:
    return {
        "type": "object",
        "required": ["results", "next"],
        "properties": {"results": {"type": "array", "items": _ref(name)}, "next": {"type": ["string", "null"]}},
    }


ERRORS = {
    str(code): {"description": text, **_problem()}
    for code, text in [(400, "Invalid input"), (401, "Missing or bad token"), (403, "Not allowed"), (404, "Not found"),
                       (405, "Method not allowed (the Allow header lists the right ones)"),
                       (500, "The server failed (logged)")]
}  # fmt: skip
PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
    {"name": "before", "in": "query", "schema": {"type": "integer"}, "description": "Cursor from `next`"},
]
ID = [{"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}]
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _op(summary: str, ok: dict, *, params=(), body: dict | None = None, status: str = "200") -> dict:
    op = {"summary": summary, "parameters": list(params), "responses": {status: {"description": "OK", **ok}, **ERRORS}}
    if body:
        op["requestBody"] = {"required": True, **_json(body)}
    return op


def _body(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Support inbox API",
        "version": "1",
        "description": "Customers, conversations and messages. Authenticate with an integration token "
        "(Settings → Integrations) as `Authorization: Bearer <token>`. Lists are newest first; follow "
        f"`next` for more. Outgoing webhooks send: {', '.join(WEBHOOK_EVENTS)}.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"token": []}],
    "paths": {
        "/customers": {"get": _op("List customers", _json(_page_of("Customer")), params=PAGING)},
        "/customers/{pk}": {"get": _op("A customer", _json(_ref("Customer")), params=ID)},
        "/conversations": {
            "get": _op(
                "List conversations",
                _json(_page_of("Conversation")),
                params=[
                    *PAGING,
                    {"name": "status", "in": "query", "schema": {"enum": Conversation.Status.values}},
                    {"name": "customer_id", "in": "query", "schema": {"type": "integer"}},
                ],
            )
        },
        "/conversations/{pk}": {"get": _op("A conversation", _json(_ref("Conversation")), params=ID)},
        "/conversations/{pk}/messages": {
            "get": _op("Its messages, across channels", _json(_page_of("Message")), params=[*ID, *PAGING]),
            "post": _op(
                "Reply to the customer on a channel they have",
                _json(_ref("Message")),
                params=ID,
                status="201",
                body=_body(["channel", "text"], channel={"enum": Channel.values}, text={"type": "string"}),
            ),
        },
        "/conversations/{pk}/notes": {
            "post": _op(
                "Add an internal note",
                _json(_ref("Message")),
                params=ID,
                status="201",
                body=_body(["text"], text={"type": "string"}),
            )
        },
        "/conversations/{pk}/assignment": {
            "post": _op(
                "Assign to a human, the AI agent, or a team's queue",
                _json(_ref("Conversation")),
                params=ID,
                body=_body(
                    ["owner"],
                    owner={"enum": Conversation.Owner.values},
                    assignee_id={"type": ["integer", "null"]},
                    team_id={"type": ["integer", "null"]},
                ),
            )
        },
        "/conversations/{pk}/status": {
            "post": _op(
                "Open, pend, snooze or resolve",
                _json(_ref("Conversation")),
                params=ID,
                body=_body(["status"], status={"enum": Conversation.Status.values}, snoozed_until=NULLABLE_TIME),
            )
        },
    },
    "components": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                **_body(
                    ["type", "title", "status", "detail"],
                    type={"type": "string"},
                    title={"type": "string"},
                    status={"type": "integer"},
                    detail={"type": "string"},
                    error={"type": "string", "description": "The same as detail (kept for older clients)"},
                ),
                "description": "Problem details (RFC 9457). Every API failure answers one, 404 for an unknown "
                "route too; a GET with a trailing slash is redirected to the route without it.",
            },
            "Customer": _body(
                ["id", "name", "contact_points"],
                id={"type": "integer"},
                name={"type": "string"},
                language={"type": "string"},
                tags={"type": "array", "items": {"type": "string"}},
                attributes={"type": "object"},
                contact_points={
                    "type": "array",
                    "items": _body(
                        ["kind", "address"],
                        kind={"enum": ["phone", "whatsapp", "email", "chat"]},
                        address={"type": "string"},
                        verified={"type": "boolean"},
                    ),
                },
                created_at={"type": "string", "format": "date-time"},
            ),
            "Conversation": _body(
                ["id", "customer_id", "status", "owner"],
                id={"type": "integer"},
                customer_id={"type": "integer"},
                subject={"type": "string"},
                status={"enum": Conversation.Status.values},
                owner={"enum": Conversation.Owner.values},
                assignee_id={"type": ["integer", "null"]},
                team_id={"type": ["integer", "null"]},
                priority={"enum": ["low", "normal", "high", "urgent"]},
                tags={"type": "array", "items": {"type": "string"}},
                channels={"type": "array", "items": {"enum": Channel.values}},
                last_message_at=NULLABLE_TIME,
                waiting_since=NULLABLE_TIME,
                first_response_at=NULLABLE_TIME,
                resolved_at=NULLABLE_TIME,
                created_at={"type": "string", "format": "date-time"},
            ),
            "Message": _body(
                ["id", "conversation_id", "direction", "author"],
                id={"type": "integer"},
                conversation_id={"type": "integer"},
                channel={"type": ["string", "null"], "enum": [*Channel.values, None]},
                direction={"enum": Message.Direction.values},
                author={"enum": Message.Author.values},
                author_user_id={"type": ["integer", "null"]},
                text={"type": "string"},
                html={"type": "string"},
                delivery_status={"type": ["string", "null"]},
                error_code={"type": ["string", "null"]},
                created_at={"type": "string", "format": "date-time"},
            ),
        },
    },
}


# Scopes: every operation says which one its token needs (OpenAPI 3.1 lets a bearer scheme
# list required roles). inbox/api/auth.py enforces the same rule: GET needs read, POST write.
SPEC["components"]["securitySchemes"]["token"]["description"] = (
    "An integration token. Each token has scopes (`read`: every GET, `write`: every POST) and reaches "
    "either every conversation or those of chosen teams (and those with no team), set in Settings → "
    "Integrations. A missing scope or a conversation out of reach answers 403 with the reason."
)
for _operations in SPEC["paths"].values():
    for _method, _operation in _operations.items():
        _operation["security"] = [{"token": ["read" if _method == "get" else "write"]}]
        _operation["x-required-scope"] = "read" if _method == "get" else "write"
        _operation["responses"]["403"] = {
            "description": "Not allowed: the token lacks the scope, or the conversation is outside its teams",
            **_problem(),
        }
