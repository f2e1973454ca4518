"""Settings → Integrations: API tokens, webhook endpoints and their delivery log (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from inbox.access import admin_required
from inbox.api.models import WEBHOOK_EVENTS, Integration, WebhookDelivery, WebhookEndpoint
from inbox.api.services import (
    integration_create,
    integration_revoke,
    webhook_endpoint_create,
    webhook_endpoint_set_active,
)

LOG_ROWS = 20


@admin_required
def integrations(request):
    endpoints = WebhookEndpoint.objects.order_by("pk")
    recent = {
        e.pk: list(WebhookDelivery.objects.filter(endpoint=e).order_by("-pk")[:LOG_ROWS]) for e in endpoints
    }  # one query per endpoint: a handful, bounded by how many endpoints an admin configures
    return render(
        request,
        "api/integrations.html",
        {
            "integrations": Integration.objects.order_by("name"),
            "endpoints": [(e, recent[e.pk]) for e in endpoints],
            "events": WEBHOOK_EVENTS,
            "new_token": request.session.pop("new_integration_token", None),
        },
    )


@admin_required
@require_POST
def integration_add(request):
    try:
        integration, token = integration_create(name=request.POST.get("name", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        request.session["new_integration_token"] = {"name": integration.name, "token": token}
    return redirect("integrations:index")


@admin_required
@require_POST
def integration_remove(request, pk: int):
    integration_revoke(integration=get_object_or_404(Integration, pk=pk), actor=request.user)
    messages.success(request, "Token revoked")
    return redirect("integrations:index")


@admin_required
@require_POST
def endpoint_add(request):
    try:
        webhook_endpoint_create(
            url=request.POST.get("url", ""), events=request.POST.getlist("events"), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("integrations:index")


@admin_required
@require_POST
def endpoint_toggle(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhook_endpoint_set_active(endpoint=endpoint, active=not endpoint.active, actor=request.user)
    return redirect("integrations:index")
