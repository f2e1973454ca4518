"""The demo's phone simulator: write as a WhatsApp or SMS customer through the Twilio stand-in.

Demo only (DEBUG or PHONE_SIMULATOR): it talks to the stand-in's control API, never to the
inbox directly, so what the agent sees arrived the way a real customer's message would.
"""

import base64
import urllib.parse
from functools import wraps

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from inbox.models import ContactKind
from inbox.services import contact_address_normalise

DEFAULT_NUMBER = "+15551230100"
MAX_UPLOAD = 5 * 1024 * 1024


def demo_only(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (settings.DEBUG or settings.PHONE_SIMULATOR):
            raise Http404("The phone simulator is a demo aid (DEBUG or PHONE_SIMULATOR only)")
        return view(request, *args, **kwargs)

    return wrapper


def _standin(path: str, payload: dict | None = None):
    url = settings.TWILIO_API_BASE_URL + path
    response = requests.get(url, timeout=5) if payload is None else requests.post(url, json=payload, timeout=20)
    response.raise_for_status()
    return response.json()


def _thread_context(number: str, error: str = "") -> dict:
    context = {"number": number, "thread": [], "error": error}
    try:
        context["thread"] = _standin("/_sim/thread?" + urllib.parse.urlencode({"number": number}))
    except (requests.RequestException, ValueError):
        context["error"] = error or f"The Twilio stand-in does not answer at {settings.TWILIO_API_BASE_URL}"
    return context


@demo_only
@require_GET
def phone_page(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", DEFAULT_NUMBER)
    return render(request, "channels_app/phone_simulator.html", _thread_context(number))


@demo_only
@require_GET
def phone_thread(request: HttpRequest) -> HttpResponse:
    return render(request, "channels_app/_phone_thread.html", _thread_context(request.GET.get("number", "")))


@demo_only
@require_POST
def phone_send(request: HttpRequest) -> HttpResponse:
    raw_number = request.POST.get("number", "")
    try:
        number = contact_address_normalise(kind=ContactKind.PHONE, address=raw_number)
    except ValidationError as exc:
        return render(request, "channels_app/_phone_thread.html", _thread_context(raw_number, " ".join(exc.messages)))
    payload = {
        "channel": "whatsapp" if request.POST.get("channel") == "whatsapp" else "sms",
        "from": number,
        "body": request.POST.get("body", ""),
        "name": request.POST.get("name", ""),
    }
    upload = request.FILES.get("media")
    if upload:
        if upload.size > MAX_UPLOAD:
            return render(request, "channels_app/_phone_thread.html", _thread_context(number, "Pick a file under 5 MB"))
        payload["media_base64"] = base64.b64encode(upload.read()).decode()
        payload["media_type"] = upload.content_type or "application/octet-stream"
    if not payload["body"].strip() and not upload:
        return render(request, "channels_app/_phone_thread.html", _thread_context(number, "Write a message first"))
    error = ""
    try:
        answer = _standin("/_sim/inbound", payload)
        if answer.get("app_status") not in (200, 201, 204):
            error = f"The inbox answered HTTP {answer.get('app_status')} to the webhook"
    except (requests.RequestException, ValueError) as exc:
        error = f"The Twilio stand-in does not answer: {exc}"
    response = render(request, "channels_app/_phone_thread.html", _thread_context(number, error))
    response["HX-Trigger"] = "phone-sent"
    return response
