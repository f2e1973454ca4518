"""Hybrid routing's data: ordered rules and their audit trail, team business hours, SLA policies.

Imported at the bottom of inbox/models.py so Django registers them in the ``inbox`` app.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from inbox.models import Team


class RoutingRule(models.Model):
    """Conditions -> actions, evaluated in ``position`` order.

    ``conditions`` is a list of ``{"field", "op", "value", ...}`` dicts (see inbox/rules/conditions.py);
    ``actions`` a dict (see inbox/rules/actions.py). Exactly one rule is the default: it matches
    everything, always runs last and can be edited but not disabled or deleted.
    """

    class Match(models.TextChoices):
        ALL = "all", "All conditions"
        ANY = "any", "Any condition"

    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    match = models.CharField(max_length=3, choices=Match, default=Match.ALL)
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["is_default", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_rule")
        ]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict:
        """What an audit entry records as before/after."""
        return {
            "name": self.name,
            "position": self.position,
            "enabled": self.enabled,
            "match": self.match,
            "conditions": self.conditions,
            "actions": self.actions,
        }


class RuleVersion(models.Model):
    """One audited change to a rule: who, when, what it was before and after."""

    class Change(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        MOVED = "moved", "Reordered"
        DELETED = "deleted", "Deleted"

    rule = models.ForeignKey(RoutingRule, null=True, on_delete=models.SET_NULL, related_name="versions")
    rule_name = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    change = models.CharField(max_length=10, choices=Change)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rule_name} v{self.version} {self.change}"


class BusinessHours(models.Model):
    """A team's opening hours in its own time zone. A team without hours is open around the clock.

    ``weekly`` maps ``"0"`` (Monday) .. ``"6"`` (Sunday) to a list of ``["HH:MM", "HH:MM"]`` local
    intervals; ``"24:00"`` may end a day. ``holidays`` are local dates when the team is closed.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="hours")
    timezone = models.CharField(max_length=64, default="UTC")
    weekly = models.JSONField(default=dict, blank=True)
    holidays = ArrayField(models.DateField(), default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.team} hours ({self.timezone})"


class SlaPolicy(models.Model):
    """Response and resolution targets; a breach triggers ``breach_action``."""

    class BreachAction(models.TextChoices):
        NOTIFY = "notify", "Notify the assignee and the inbox"
        RAISE_PRIORITY = "raise_priority", "Raise priority (and notify)"
        REASSIGN = "reassign", "Reassign within the team (and notify)"

    name = models.CharField(max_length=100, unique=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    business_hours_only = models.BooleanField(default=False, help_text="Count only the conversation team's open hours")
    warn_before_minutes = models.PositiveIntegerField(default=10)
    breach_action = models.CharField(max_length=20, choices=BreachAction, default=BreachAction.NOTIFY)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name
