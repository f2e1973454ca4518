from django.conf import settings
from django.db import models


class CsatSurvey(models.Model):
    """One satisfaction question per resolved conversation, and its answer."""

    conversation = models.OneToOneField("inbox.Conversation", on_delete=models.CASCADE, related_name="csat")
    customer = models.ForeignKey("inbox.Customer", on_delete=models.CASCADE, related_name="csat_surveys")
    channel = models.CharField(max_length=10)
    resolved_by_ai = models.BooleanField(default=False)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-asked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5), name="csat_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"CSAT of conversation {self.conversation_id}: {self.rating or 'unanswered'}"
