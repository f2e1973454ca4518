from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox.api.models import API_SCOPES, WEBHOOK_EVENTS, Integration, WebhookEndpoint, token_digest
from inbox.audit.services import audit_record
from inbox.models import AgentProfile, Team


@transaction.atomic
def integration_create(*, name: str, actor: AbstractBaseUser) -> tuple[Integration, str]:
    """A new integration and its token. The token is returned once and stored only as a digest."""
    name = name.strip()
    if not name:
        raise ValidationError("Give the integration a name")
    if Integration.objects.filter(name=name).exists():
        raise ValidationError(f"An integration named {name!r} exists already")
    user = get_user_model().objects.create_user(username=f"integration-{name.lower().replace(' ', '-')}"[:150])
    user.set_unusable_password()
    user.first_name = name[:150]
    user.save()
    # Sees every conversation until an admin narrows it to teams (integration_access_set).
    AgentProfile.objects.create(user=user, role=AgentProfile.Role.ADMIN, capacity=0)
    token = Integration.new_token()
    integration = Integration.objects.create(
        name=name, user=user, token_digest=token_digest(token), token_prefix=token[:10]
    )
    audit_record(actor=actor, action="integration.created", target=integration, after={"name": name})
    return integration, token


@transaction.atomic
def integration_access_set(
    *, integration: Integration, scopes: list[str], team_ids: list[int], actor: AbstractBaseUser
) -> Integration:
    """What a token may do (``read``: GETs, ``write``: POSTs) and which conversations it reaches:
    no teams = every conversation; else those of the teams (and with no team), as for an agent."""
    chosen = [s for s in API_SCOPES if s in scopes]
    if set(scopes) - set(API_SCOPES) or not chosen:
        raise ValidationError(f"Choose the token's scopes among {', '.join(API_SCOPES)} (revoke it to stop it)")
    teams = list(Team.objects.filter(pk__in=team_ids))
    if len(teams) != len(set(team_ids)):
        raise ValidationError("No such team")
    profile = AgentProfile.objects.select_for_update().get(user_id=integration.user_id)
    before = {
        "scopes": integration.scopes,
        "role": profile.role,
        "teams": sorted(profile.teams.values_list("pk", flat=True)),
    }
    integration.scopes = chosen
    integration.save(update_fields=["scopes"])
    profile.role = AgentProfile.Role.AGENT if teams else AgentProfile.Role.ADMIN
    profile.save(update_fields=["role"])
    profile.teams.set(teams)
    after = {"scopes": chosen, "role": profile.role, "teams": sorted(t.pk for t in teams)}
    audit_record(actor=actor, action="integration.access", target=integration, before=before, after=after)
    return integration


@transaction.atomic
def integration_revoke(*, integration: Integration, actor: AbstractBaseUser) -> None:
    integration.active = False
    integration.save(update_fields=["active"])
    audit_record(actor=actor, action="integration.revoked", target=integration)


def webhook_endpoint_create(*, url: str, events: list[str], actor: AbstractBaseUser) -> WebhookEndpoint:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError("The webhook URL must be an http(s) URL")
    unknown = set(events) - set(WEBHOOK_EVENTS)
    if unknown or not events:
        raise ValidationError(f"Choose events among {', '.join(WEBHOOK_EVENTS)}")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(url=url.strip(), events=sorted(set(events)))
        audit_record(
            actor=actor,
            action="webhook.created",
            target=endpoint,
            after={"url": endpoint.url, "events": endpoint.events},
        )
    return endpoint


def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, actor: AbstractBaseUser) -> None:
    """(Re-)enabling forgets past failures; disabling by hand says who did it."""
    with transaction.atomic():
        endpoint.active = active
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = "" if active else f"Disabled by {actor.get_username()}"
        endpoint.save(update_fields=["active", "consecutive_failures", "disabled_reason"])
        audit_record(actor=actor, action="webhook.enabled" if active else "webhook.disabled", target=endpoint)
