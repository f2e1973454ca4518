"""Parsing what agents post from the inbox; the services decide whether it is allowed."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from inbox.models import ContactKind, Conversation

SNOOZE_PRESETS = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "1d": timedelta(days=1), "1w": timedelta(weeks=1)}


class ComposeForm(forms.Form):
    mode = forms.ChoiceField(choices=[("reply", "Reply"), ("note", "Internal note")])
    channel = forms.CharField(required=False, max_length=10)
    text = forms.CharField(required=False, max_length=20_000, strip=False)


class SnoozeForm(forms.Form):
    preset = forms.ChoiceField(choices=[(k, k) for k in SNOOZE_PRESETS] + [("custom", "custom")], required=False)
    until = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M"])

    def wake_at(self):
        data = self.cleaned_data
        if data.get("preset") in SNOOZE_PRESETS:
            return timezone.now() + SNOOZE_PRESETS[data["preset"]]
        if data.get("until"):
            return data["until"]
        raise forms.ValidationError("Choose when the conversation should wake up")


class ContactPointForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, v) for k, v in ContactKind.choices if k != ContactKind.CHAT])
    address = forms.CharField(max_length=320)


class MergeForm(forms.Form):
    other = forms.CharField(max_length=320, help_text="The other customer's email, phone or #id")
    confirm_verified = forms.BooleanField(required=False)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(choices=Conversation.Priority.choices, coerce=int)
