"""Forms of the settings area. The rule form flattens conditions into one optional field per
kind (a blank field is no condition), so admins fill a plain form instead of writing JSON."""

from django import forms
from django.core.exceptions import ValidationError

from inbox.hours import DAY_NAMES
from inbox.models import Channel, Conversation, Customer, Team
from inbox.models_routing import RoutingRule, SlaPolicy
from inbox.rules.admin import agent_choices, rule_validate
from inbox.rules.conditions import HUMAN_REASONS, SENTIMENTS, URGENCIES

BLANK = [("", "—")]


def _csv(value) -> str:
    return ", ".join(value) if isinstance(value, list) else (value or "")


class RuleForm(forms.Form):
    name = forms.CharField(max_length=120)
    match = forms.ChoiceField(choices=RoutingRule.Match.choices, initial="all")
    # conditions
    channels = forms.MultipleChoiceField(choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple)
    text_contains = forms.CharField(required=False, help_text="Any of these phrases, comma separated")
    text_matches = forms.CharField(
        required=False, label="Text matches pattern", help_text="Regular expression (case-insensitive)"
    )
    intent = forms.CharField(required=False, help_text="Intent(s) from classification, comma separated")
    intent_min_confidence = forms.FloatField(required=False, min_value=0, max_value=1, label="Min. confidence")
    sentiment = forms.MultipleChoiceField(
        choices=[(s, s) for s in SENTIMENTS], required=False, widget=forms.CheckboxSelectMultiple
    )
    urgency = forms.MultipleChoiceField(
        choices=[(u, u) for u in URGENCIES], required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.CharField(required=False, help_text="ISO 639-1 codes, e.g. de, fr")
    human_reason = forms.MultipleChoiceField(
        choices=[("any", "any reason"), *[(r, r.replace("_", " ")) for r in HUMAN_REASONS]],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="A person should own it",
        help_text="The decision found one of these reasons (scores and nearest examples show on the conversation)",
    )
    customer_tag = forms.CharField(required=False, help_text="Customer has any of these tags")
    attribute_key = forms.CharField(required=False, label="Customer attribute")
    attribute_value = forms.CharField(required=False, label="equals")
    business_hours = forms.ChoiceField(choices=[*BLANK, ("open", "Open"), ("closed", "Closed")], required=False)
    business_hours_team = forms.ModelChoiceField(
        Team.objects.all(), required=False, label="Hours of team", help_text="Blank: the team this rule assigns to"
    )
    customer_kind = forms.ChoiceField(choices=[*BLANK, ("new", "New"), ("returning", "Returning")], required=False)
    ai_turns_op = forms.ChoiceField(
        choices=[("gte", "at least"), ("lt", "fewer than")], required=False, label="AI turns"
    )
    ai_turns = forms.IntegerField(required=False, min_value=0, label="AI replies so far")
    reopened = forms.ChoiceField(choices=[*BLANK, ("yes", "Reopened"), ("no", "Not reopened")], required=False)
    # actions
    owner = forms.ChoiceField(
        choices=[("", "Leave owner as is"), ("ai", "AI agent"), ("team", "Team"), ("agent", "Specific agent")],
        required=False,
    )
    procedure = forms.CharField(required=False, max_length=100, help_text="AI procedure slug (optional)")
    team = forms.ModelChoiceField(Team.objects.all(), required=False)
    agent = forms.ChoiceField(required=False)
    after_hours = forms.ChoiceField(
        choices=[("queue", "Queue and tell the customer when we open"), ("ai", "Give to the AI agent")], required=False
    )
    priority = forms.TypedChoiceField(
        choices=BLANK + list(Conversation.Priority.choices), required=False, coerce=int, empty_value=None
    )
    tags = forms.CharField(required=False, help_text="Add these tags, comma separated")
    sla_policy = forms.ModelChoiceField(SlaPolicy.objects.all(), required=False, label="SLA policy")
    auto_reply = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    stop = forms.BooleanField(required=False, initial=True, label="Stop here when this rule matches")

    def __init__(self, *args, is_default: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_default = is_default
        self.fields["agent"].choices = BLANK + [(u.pk, u.get_full_name() or u.username) for u in agent_choices()]
        self.cleaned_rule: dict = {}

    @classmethod
    def initial_for(cls, rule: RoutingRule) -> dict:
        initial = {"name": rule.name, "match": rule.match}
        for c in rule.conditions:
            kind, value = c.get("field"), c.get("value")
            if kind == "channel":
                initial["channels"] = value
            elif kind in ("text_contains", "intent", "language", "customer_tag"):
                initial[kind] = _csv(value)
                if kind == "intent" and c.get("min_confidence") is not None:
                    initial["intent_min_confidence"] = c["min_confidence"]
            elif kind in ("sentiment", "urgency", "human_reason") or kind == "text_matches":
                initial[kind] = value
            elif kind == "customer_attribute":
                initial.update(attribute_key=c.get("key"), attribute_value=value)
            elif kind == "business_hours":
                initial.update(business_hours=value, business_hours_team=c.get("team_id"))
            elif kind == "customer_kind":
                initial[kind] = value
            elif kind == "ai_turns":
                initial.update(ai_turns=value, ai_turns_op=c.get("op", "gte"))
            elif kind == "reopened":
                initial[kind] = "yes" if value else "no"
        a = rule.actions or {}
        initial.update(
            owner=a.get("owner", ""),
            procedure=a.get("procedure", ""),
            team=a.get("team_id"),
            agent=a.get("agent_id"),
            after_hours=a.get("after_hours", "queue"),
            priority=a.get("priority"),
            tags=_csv(a.get("tags", [])),
            sla_policy=a.get("sla_policy_id"),
            auto_reply=a.get("auto_reply", ""),
            stop=a.get("stop", True),
        )
        return initial

    def _conditions(self, d: dict) -> list[dict]:
        out = []
        if d.get("channels"):
            out.append({"field": "channel", "value": d["channels"]})
        for kind in ("text_contains", "text_matches", "language", "customer_tag"):
            if d.get(kind):
                out.append({"field": kind, "value": d[kind]})
        if d.get("intent"):
            out.append({"field": "intent", "value": d["intent"], "min_confidence": d.get("intent_min_confidence")})
        for kind in ("sentiment", "urgency", "human_reason"):
            if d.get(kind):
                out.append({"field": kind, "value": d[kind]})
        if d.get("attribute_key") or d.get("attribute_value"):
            out.append(
                {"field": "customer_attribute", "key": d.get("attribute_key"), "value": d.get("attribute_value")}
            )
        if d.get("business_hours"):
            team = d.get("business_hours_team")
            out.append({"field": "business_hours", "value": d["business_hours"], "team_id": team.pk if team else None})
        if d.get("customer_kind"):
            out.append({"field": "customer_kind", "value": d["customer_kind"]})
        if d.get("ai_turns") is not None:
            out.append({"field": "ai_turns", "value": d["ai_turns"], "op": d.get("ai_turns_op") or "gte"})
        if d.get("reopened"):
            out.append({"field": "reopened", "value": d["reopened"] == "yes"})
        return out

    def clean(self):
        d = super().clean()
        if self.errors:
            return d
        actions = {
            "owner": d.get("owner") or "",
            "procedure": d.get("procedure") or "",
            "team_id": d["team"].pk if d.get("team") else None,
            "agent_id": int(d["agent"]) if d.get("agent") else None,
            "after_hours": d.get("after_hours") or "queue",
            "priority": d.get("priority"),
            "tags": d.get("tags") or "",
            "sla_policy_id": d["sla_policy"].pk if d.get("sla_policy") else None,
            "auto_reply": d.get("auto_reply") or "",
            "stop": d.get("stop", False),
        }
        conditions = [] if self.is_default else self._conditions(d)
        try:
            self.cleaned_rule = rule_validate(
                name=d.get("name", ""),
                match=d.get("match", "all"),
                conditions=conditions,
                actions=actions,
                is_default=self.is_default,
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.add_error(None, message)
        return d


class TesterForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Sample message")
    channel = forms.ChoiceField(choices=Channel.choices)
    customer = forms.ModelChoiceField(
        Customer.objects.order_by("name")[:300], required=False, help_text="Blank: a new customer"
    )
    at = forms.DateTimeField(
        required=False,
        label="Time (UTC)",
        help_text="Blank: now",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    intent = forms.CharField(required=False, help_text="Blank: decided from the sample message, as for a real one")
    confidence = forms.FloatField(required=False, min_value=0, max_value=1, initial=0.9)
    sentiment = forms.ChoiceField(choices=BLANK + [(s, s) for s in SENTIMENTS], required=False)
    urgency = forms.ChoiceField(choices=BLANK + [(u, u) for u in URGENCIES], required=False)
    language = forms.CharField(required=False, max_length=2)

    def classification(self) -> dict:
        d = self.cleaned_data
        data = {k: d[k] for k in ("intent", "sentiment", "urgency", "language") if d.get(k)}
        if data:
            data["confidence"] = d.get("confidence") if d.get("confidence") is not None else 1.0
        return data


class HoursForm(forms.Form):
    timezone = forms.CharField(max_length=64, initial="UTC", help_text="IANA name, e.g. Europe/Berlin")
    holidays = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Closed dates, one YYYY-MM-DD per line"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i, day in enumerate(DAY_NAMES):
            self.fields[f"day_{i}"] = forms.CharField(
                required=False, label=day, help_text="e.g. 09:00-12:00, 13:00-17:00; blank = closed"
            )


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "business_hours_only",
            "warn_before_minutes",
            "breach_action",
        ]

    def clean(self):
        d = super().clean()
        if not any(d.get(f) for f in ("first_response_minutes", "next_response_minutes", "resolution_minutes")):
            raise ValidationError("Set at least one target (first response, next response or resolution)")
        return d
