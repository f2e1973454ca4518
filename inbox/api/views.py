"""The REST API (v1): thin views over the inbox services. Documented in openapi.py."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.csrf import csrf_exempt

from inbox.access import check_conversation_act, check_conversation_see, conversations_visible_q
from inbox.api.auth import ApiError, api_view, error, json_body
from inbox.api.openapi import SPEC
from inbox.api.serializers import conversation_json, customer_json, message_json
from inbox.models import ContactPoint, Conversation, Customer, Message, Team
from inbox.services import conversation_assign, conversation_set_status, message_append_outbound, note_add

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def _page(request, queryset, serialize, url_name: str, **url_kwargs) -> JsonResponse:
    """Keyset pagination on id, newest first: stable under inserts, constant cost per page."""
    try:
        limit = min(int(request.GET.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        after = int(request.GET["before"]) if "before" in request.GET else None
    except ValueError:
        raise ApiError(400, "'limit' and 'before' are whole numbers") from None
    if limit < 1:
        raise ApiError(400, "'limit' must be at least 1")
    if after is not None:
        queryset = queryset.filter(pk__lt=after)
    rows = list(queryset.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_url = None
    if more:
        query = request.GET.copy()
        query["before"] = rows[-1].pk
        next_url = f"{reverse(url_name, kwargs=url_kwargs)}?{query.urlencode()}"
    return JsonResponse({"results": [serialize(r) for r in rows], "next": next_url})


def _customers():
    return Customer.objects.prefetch_related(Prefetch("contact_points", queryset=ContactPoint.objects.order_by("pk")))


@api_view("GET")
def customer_list(request):
    return _page(request, _customers(), customer_json, "api:customers")


@api_view("GET")
def customer_detail(request, pk: int):
    return JsonResponse(customer_json(get_object_or_404(_customers(), pk=pk)))


@api_view("GET")
def conversation_list(request):
    conversations = Conversation.objects.filter(conversations_visible_q(request.user))  # roles apply to tokens
    status = request.GET.get("status")
    if status:
        if status not in Conversation.Status.values:
            raise ApiError(400, f"'status' is one of {', '.join(Conversation.Status.values)}")
        conversations = conversations.filter(status=status)
    if "customer_id" in request.GET:
        if not request.GET["customer_id"].isdigit():
            raise ApiError(400, "'customer_id' is a whole number")
        conversations = conversations.filter(customer_id=int(request.GET["customer_id"]))
    return _page(request, conversations, conversation_json, "api:conversations")


@api_view("GET")
def conversation_detail(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_see(request.user, conversation)
    return JsonResponse(conversation_json(conversation))


@api_view("GET", "POST")
def conversation_messages(request, pk: int):
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=pk)
    check_conversation_act(request.user, conversation)
    if request.method == "GET":
        return _page(request, conversation.messages.all(), message_json, "api:messages", pk=pk)
    data = json_body(request)
    message = message_append_outbound(
        conversation=conversation,
        channel=_required(data, "channel"),
        text=_required(data, "text"),
        author=request.user,
        author_kind=Message.Author.AGENT,
    )
    return JsonResponse(message_json(message), status=201)


@api_view("POST")
def conversation_notes(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_act(request.user, conversation)
    note = note_add(conversation=conversation, author=request.user, text=_required(json_body(request), "text"))
    return JsonResponse(message_json(note), status=201)


@api_view("POST")
def conversation_assignment(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_act(request.user, conversation)
    data = json_body(request)
    assignee = team = None
    if data.get("assignee_id") is not None:
        assignee = get_user_model().objects.filter(pk=data["assignee_id"]).first()
        if assignee is None:
            raise ApiError(400, "No user with that 'assignee_id'")
    if data.get("team_id") is not None:
        team = Team.objects.filter(pk=data["team_id"]).first()
        if team is None:
            raise ApiError(400, "No team with that 'team_id'")
    updated = conversation_assign(
        conversation=conversation, owner=_required(data, "owner"), assignee=assignee, team=team, actor=request.user
    )
    return JsonResponse(conversation_json(updated))


@api_view("POST")
def conversation_status(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    check_conversation_act(request.user, conversation)
    data = json_body(request)
    until = data.get("snoozed_until")
    if until is not None:
        try:
            until = datetime.fromisoformat(until)
        except (TypeError, ValueError):
            raise ApiError(400, "'snoozed_until' is an ISO 8601 date-time with a time zone") from None
        if until.tzinfo is None:
            raise ApiError(400, "'snoozed_until' needs a time zone")
    updated = conversation_set_status(
        conversation=conversation, status=_required(data, "status"), actor=request.user, snoozed_until=until
    )
    return JsonResponse(conversation_json(updated))


def openapi_schema(request):
    return JsonResponse(SPEC)


def _required(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"'{key}' is required (a non-empty string)")
    return value


@csrf_exempt
def api_not_found(request, path: str = ""):
    """Every other address under /api/: a JSON 404, or for a GET with a trailing slash the route
    without it (a permanent redirect)."""
    if request.method in ("GET", "HEAD") and request.path.endswith("/") and request.path != "/api/v1/":
        bare = request.path.rstrip("/")
        try:
            resolve(bare)
        except Resolver404:
            pass
        else:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(bare + (f"?{query}" if query else ""))
    return error(404, f"No API route at {request.path}; see /api/v1/openapi.json")
