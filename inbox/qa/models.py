from django.conf import settings
from django.db import models


class CompliancePhrase(models.Model):
    """Words that need a second look when they appear in a conversation (admin-editable)."""

    class Who(models.TextChoices):
        BUSINESS = "business", "Said by an agent or the AI"
        CUSTOMER = "customer", "Said by the customer"
        ANYONE = "anyone", "Said by anyone"

    phrase = models.CharField(max_length=200, help_text="Matched case-insensitively as whole words")
    label = models.CharField(max_length=100, help_text='What it means, e.g. "promise of a refund"')
    said_by = models.CharField(max_length=10, choices=Who, default=Who.BUSINESS)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label", "phrase"]

    def __str__(self) -> str:
        return f"{self.label}: {self.phrase}"


class QaFlag(models.Model):
    class Kind(models.TextChoices):
        COMPLIANCE = "compliance", "Compliance phrase"
        NEGATIVE_TREND = "negative_trend", "Sentiment turning negative"
        UNGROUNDED = "ungrounded", "AI answer without grounding"
        KNOWLEDGE_GAP = "knowledge_gap", "Question the AI could not answer"

    conversation = models.ForeignKey("inbox.Conversation", on_delete=models.CASCADE, related_name="qa_flags")
    message = models.ForeignKey("inbox.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind)
    detail = models.CharField(max_length=500)
    topic = models.CharField(max_length=200, blank=True, help_text="Groups knowledge gaps")
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["acknowledged_at", "kind", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["message", "kind", "detail"], name="qa_flag_once_per_message_and_reason")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"


class QaCursor(models.Model):
    """The last message id the scanner has read (one row)."""

    last_message_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"QA scanned up to message {self.last_message_id}"
