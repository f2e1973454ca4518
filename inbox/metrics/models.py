"""Per-conversation facts for the KPI dashboard, refreshed incrementally from recorded events."""

from django.conf import settings
from django.db import models


class ConversationFact(models.Model):
    conversation = models.OneToOneField("inbox.Conversation", on_delete=models.CASCADE, related_name="fact")
    started_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=10, help_text="Where the customer first wrote")
    team = models.ForeignKey("inbox.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inbound_count = models.PositiveIntegerField(default=0)
    human_replies = models.PositiveIntegerField(default=0)
    ai_replies = models.PositiveIntegerField(default=0)
    first_response_seconds = models.FloatField(null=True, blank=True)
    first_response_by_ai = models.BooleanField(default=False)
    next_response_seconds = models.FloatField(null=True, blank=True, help_text="Mean of later waits")
    resolution_seconds = models.FloatField(null=True, blank=True)
    # The same waits counted in the team's business hours only (teams without hours: around the clock).
    first_response_business_seconds = models.FloatField(null=True, blank=True)
    next_response_business_seconds = models.FloatField(null=True, blank=True)
    resolution_business_seconds = models.FloatField(null=True, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_by_ai = models.BooleanField(default=False, help_text="Resolved with no human message")
    handed_off = models.BooleanField(default=False)
    handoff_reason = models.CharField(max_length=200, blank=True)
    abandoned = models.BooleanField(default=False, help_text="Live chat left before any answer")
    sla_breaches = models.PositiveSmallIntegerField(default=0, help_text="SLA timers breached (inbox/sla.py events)")
    csat_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "started_at"]), models.Index(fields=["agent", "started_at"])]

    def __str__(self) -> str:
        return f"Facts of conversation {self.conversation_id}"


class FactsCursor(models.Model):
    """How far the incremental refresh has read (one row)."""

    refreshed_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"Facts refreshed until {self.refreshed_until}"
