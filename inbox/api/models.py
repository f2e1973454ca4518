"""Integrations: API tokens and outgoing webhooks (with their delivery log)."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

# What a token may do: "read" = every GET, "write" = every POST (replies, notes, assignment, status).
API_SCOPES = ["read", "write"]


def default_scopes() -> list[str]:
    return list(API_SCOPES)


WEBHOOK_EVENTS = ["conversation.created", "conversation.assigned", "conversation.resolved", "message.created"]


def new_secret() -> str:
    return secrets.token_hex(24)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Integration(models.Model):
    """A system that calls the API. Acts as its own user, so roles apply to it too."""

    name = models.CharField(max_length=100, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="integration")
    token_digest = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=12, help_text="Shown so admins can tell tokens apart")
    scopes = ArrayField(models.CharField(max_length=10), default=default_scopes, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_token() -> str:
        return f"inb_{secrets.token_urlsafe(32)}"


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=new_secret)
    events = ArrayField(models.CharField(max_length=40), default=list)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"
