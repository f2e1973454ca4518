import json
import logging
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from inbox.access import is_agent
from inbox.api.models import Integration, token_digest

MAX_BODY_BYTES = 256 * 1024
log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def error(status: int, reason: str) -> JsonResponse:
    """A problem-details body (RFC 9457) for every API failure; ``error`` repeats ``detail`` for the
    clients written against the first version of the API."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": reason,
            "error": reason}  # fmt: skip
    return JsonResponse(body, status=status, content_type="application/problem+json")


def integration_authenticate(request: HttpRequest) -> Integration:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Send the integration token as 'Authorization: Bearer <token>'")
    integration = (
        Integration.objects.select_related("user").filter(token_digest=token_digest(token.strip()), active=True).first()
    )
    if integration is None:
        raise ApiError(401, "Unknown or revoked token")
    Integration.objects.filter(pk=integration.pk).update(last_used_at=timezone.now())
    if not is_agent(integration.user):
        raise ApiError(403, "This integration has no agent role")
    return integration


def scope_required(method: str) -> str:
    """Reads need the ``read`` scope, every change ``write`` (documented per operation in openapi.py)."""
    return "read" if method in ("GET", "HEAD") else "write"


def scope_check(integration: Integration, method: str) -> None:
    needed = scope_required(method)
    if needed not in integration.scopes:
        raise ApiError(403, f"This token lacks the '{needed}' scope; an admin can grant it in Settings → Integrations")


def json_body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY_BYTES:
        raise ApiError(413, f"Request body over {MAX_BODY_BYTES} bytes")
    if request.content_type != "application/json":
        raise ApiError(415, "Send JSON with 'Content-Type: application/json'")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object")
    return data


def api_view(*methods: str) -> Callable:
    """Token-authenticated JSON view; every failure is a JSON error with a reason."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error(405, f"Use {' or '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                request.integration = integration_authenticate(request)
                request.user = request.integration.user
                scope_check(request.integration, request.method)
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error(exc.status, exc.reason)
            except ValidationError as exc:
                return error(400, " ".join(exc.messages))
            except PermissionDenied as exc:
                return error(403, str(exc) or "Not allowed")
            except Http404:
                return error(404, "Not found")
            except Exception:
                log.exception("API %s %s failed", request.method, request.path)
                return error(500, "The server failed; the error is logged, try again later")

        return wrapper

    return decorate
