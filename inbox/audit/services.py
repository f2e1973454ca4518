from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from inbox.audit.models import AuditEntry


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Record a change. Call inside the change's transaction, so both commit or neither does."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() if actor is not None else "system")[:150],
        action=action[:60],
        target_type=target._meta.label_lower[:60],
        target_id=str(target.pk),
        target_label=str(target)[:300],
        before=before,
        after=after,
    )


def audit_snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The given fields as JSON-safe values, for ``before``/``after``."""
    snapshot = {}
    for name in fields:
        value = getattr(instance, f"{name}_id", None) if instance._meta.get_field(name).is_relation else None
        if value is None:
            value = getattr(instance, name)
        snapshot[name] = value if isinstance(value, str | int | float | bool | list | dict | type(None)) else str(value)
    return snapshot
