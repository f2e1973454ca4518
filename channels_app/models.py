from django.core.exceptions import ValidationError
from django.db import models


class WhatsAppTemplate(models.Model):
    """A WhatsApp message template approved in Twilio's Content API (the only thing that may
    be sent outside the 24-hour window)."""

    name = models.CharField(max_length=100, unique=True)
    content_sid = models.CharField(
        max_length=34, unique=True, help_text="Twilio Content SID, HX followed by 32 characters"
    )
    variables = models.JSONField(
        default=list, blank=True, help_text='The placeholders the body uses, in order, e.g. ["1", "2"]'
    )
    body_preview = models.TextField(help_text="The approved text with {{1}}-style placeholders, shown to agents")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.content_sid.startswith("HX"):
            raise ValidationError({"content_sid": "A Content SID starts with HX"})
        if not isinstance(self.variables, list) or not all(isinstance(v, str) and v for v in self.variables):
            raise ValidationError({"variables": 'A list of placeholder names, e.g. ["1", "2"]'})

    def render(self, values: dict[str, str]) -> str:
        text = self.body_preview
        for key in self.variables:
            text = text.replace("{{" + key + "}}", values.get(key, ""))
        return text
