from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox.api.models import WEBHOOK_EVENTS, Integration, WebhookEndpoint, token_digest
from inbox.audit.services import audit_record
from inbox.models import AgentProfile


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
    AgentProfile.objects.create(user=user, role=AgentProfile.Role.AGENT, capacity=0)
    token = Integration.new_token()
    integration = Integration.objects.create(
        name=name, user=user, token_digest=token_digest(token), token_prefix=token[:10]
    )
    audit_record(actor=actor, action="integration.created", target=integration, after={"name": name})
    return integration, token


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
