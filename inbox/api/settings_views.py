"""Settings → Integrations: API tokens, webhook endpoints and their delivery log (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from inbox.access import admin_required
from inbox.api.models import API_SCOPES, WEBHOOK_EVENTS, Integration, WebhookDelivery, WebhookEndpoint
from inbox.api.services import (
    integration_access_set,
    integration_create,
    integration_revoke,
    webhook_endpoint_create,
    webhook_endpoint_set_active,
)
from inbox.models import Team

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
            "integrations": Integration.objects.select_related("user__agent")
            .prefetch_related("user__agent__teams")
            .order_by("name"),
            "scopes": API_SCOPES,
            "teams": Team.objects.order_by("name"),
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
def integration_access(request, pk: int):
    """A token's scopes and which teams' conversations it reaches (none chosen: all)."""
    integration = get_object_or_404(Integration, pk=pk)
    team_ids = [int(v) for v in request.POST.getlist("teams") if v.isdigit()]
    try:
        integration_access_set(
            integration=integration, scopes=request.POST.getlist("scopes"), team_ids=team_ids, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Access of {integration.name} saved")
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
