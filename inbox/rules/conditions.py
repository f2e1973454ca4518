"""Rule conditions: what each one checks, how it is validated, and how it explains itself.

A condition is a dict ``{"field": ..., "op": ..., "value": ...}`` (plus ``min_confidence`` for
intent, ``key`` for customer attributes, ``team_id`` for business hours). ``condition_check``
returns ``(matched, detail)``; ``detail`` is the fact that decided it ("intent=order_status 0.93"),
used in the tester and in timeline explanations. Missing or failed classification never matches.
"""

from dataclasses import dataclass, field
from datetime import datetime

import regex
from django.core.exceptions import ValidationError

from inbox.models import Channel, Team

REGEX_MAX_LENGTH = 300
REGEX_TIMEOUT_SECONDS = 0.05  # a pathological pattern gives up instead of hanging a worker
TEXT_SCAN_LIMIT = 10_000  # characters of a message the text conditions look at

SENTIMENTS = ("negative", "neutral", "positive")
# The reasons the decision step (agents/decisions.py) stores on a message; "any" matches each of them.
HUMAN_REASONS = ("negative", "sensitive", "sensitive_topic", "asks_human", "complex_account", "vip_sales",
                 "unanswerable", "uncertain")  # fmt: skip
URGENCIES = ("low", "normal", "high")

FIELDS = {
    "channel": "Channel",
    "text_contains": "Text contains",
    "text_matches": "Text matches pattern",
    "intent": "Intent",
    "sentiment": "Sentiment",
    "urgency": "Urgency",
    "language": "Language",
    "human_reason": "A person should own it",
    "customer_tag": "Customer tag",
    "customer_attribute": "Customer attribute",
    "business_hours": "Business hours",
    "customer_kind": "New or returning customer",
    "ai_turns": "AI turns",
    "reopened": "Reopened",
}


@dataclass
class RoutingContext:
    """Everything a rule can look at, detached from the database (so the tester can fake it)."""

    channel: str
    text: str
    at: datetime
    classification: dict = field(default_factory=dict)
    customer_tags: list[str] = field(default_factory=list)
    customer_attributes: dict = field(default_factory=dict)
    returning: bool = False
    ai_turns: int = 0
    reopened: bool = False
    team_ids: dict | None = None  # team id -> Team (with hours), loaded once per evaluation


def _classified(ctx: RoutingContext, key: str) -> tuple[str | None, float]:
    """The decided value of ``key`` and its own confidence (the intent's for intent, the sentiment's
    for sentiment...; older messages stored only the intent's, which is used for them)."""
    data = ctx.classification or {}
    if not isinstance(data, dict) or data.get("error") or key not in data:
        return None, 0.0
    own = "confidence" if key == "intent" else f"{key}_confidence"
    try:
        confidence = float(data.get(own, data.get("confidence", 0.0)))
    except (TypeError, ValueError):
        confidence = 0.0
    return str(data[key]), confidence


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value or [] if str(v).strip()]


def condition_check(condition: dict, ctx: RoutingContext, default_team: Team | None = None) -> tuple[bool, str]:
    kind = condition.get("field")
    value = condition.get("value")
    if kind == "channel":
        return ctx.channel in _as_list(value), f"channel={ctx.channel}"
    if kind == "text_contains":
        text = ctx.text[:TEXT_SCAN_LIMIT].casefold()
        hits = [phrase for phrase in _as_list(value) if phrase.casefold() in text]
        return bool(hits), f"text contains {hits[0]!r}" if hits else "text has none of the phrases"
    if kind == "text_matches":
        try:
            found = regex.search(
                value, ctx.text[:TEXT_SCAN_LIMIT], flags=regex.IGNORECASE, timeout=REGEX_TIMEOUT_SECONDS
            )
        except TimeoutError:
            return False, "pattern timed out (treated as no match)"
        except regex.error:
            return False, "pattern is invalid (treated as no match)"
        return bool(found), f"text matches {found.group(0)[:40]!r}" if found else "text does not match"
    if kind == "intent":
        intent, confidence = _classified(ctx, "intent")
        if intent is None:
            return False, "no classification"
        threshold = float(condition.get("min_confidence") or 0)
        matched = intent in _as_list(value) and confidence >= threshold
        return matched, f"intent={intent} {confidence:.2f}" + (
            "" if matched or intent not in _as_list(value) else f" < {threshold:.2f}"
        )
    if kind in ("sentiment", "urgency", "language"):
        found, confidence = _classified(ctx, kind)
        if found is None:
            return False, "no classification"
        threshold = float(condition.get("min_confidence") or 0)
        return found in _as_list(value) and confidence >= threshold, f"{kind}={found}"
    if kind == "human_reason":
        data = ctx.classification or {}
        if not isinstance(data, dict) or data.get("error") or "human_reasons" not in data:
            return False, "no decision signals"
        wanted = _as_list(value)
        found = [r for r in data["human_reasons"] if "any" in wanted or r in wanted]
        if not found:
            return False, "no reason a person should own it"
        score = (data.get("signals") or {}).get(found[0])
        return True, f"needs a person: {found[0]}" + (f" {float(score):.2f}" if score is not None else "")
    if kind == "customer_tag":
        wanted = _as_list(value)
        hits = [t for t in wanted if t in ctx.customer_tags]
        return bool(hits), f"customer tagged {hits[0]}" if hits else f"customer not tagged {'/'.join(wanted)}"
    if kind == "customer_attribute":
        key = condition.get("key", "")
        actual = ctx.customer_attributes.get(key)
        matched = actual is not None and str(actual).casefold() == str(value).casefold()
        return matched, f"{key}={actual}" if actual is not None else f"no {key}"
    if kind == "business_hours":
        from inbox.hours import team_is_open

        team = (ctx.team_ids or {}).get(condition.get("team_id")) or default_team
        is_open = team_is_open(team, ctx.at)
        where = f" ({team.name})" if team else ""
        return (value == "open") == is_open, f"business hours {'open' if is_open else 'closed'}{where}"
    if kind == "customer_kind":
        actual = "returning" if ctx.returning else "new"
        return actual == value, f"{actual} customer"
    if kind == "ai_turns":
        op, limit = condition.get("op", "gte"), int(value or 0)
        matched = ctx.ai_turns >= limit if op == "gte" else ctx.ai_turns < limit
        return matched, f"AI turns={ctx.ai_turns}"
    if kind == "reopened":
        return bool(value) == ctx.reopened, "reopened" if ctx.reopened else "not reopened"
    return False, f"unknown condition {kind!r}"


def condition_validate(condition: dict) -> dict:
    """A clean copy of ``condition``, or ValidationError with a reason an admin can act on."""
    kind = condition.get("field")
    if kind not in FIELDS:
        raise ValidationError(f"Unknown condition {kind!r}")
    value = condition.get("value")
    clean = {"field": kind}
    if kind == "channel":
        channels = _as_list(value)
        bad = [c for c in channels if c not in Channel.values]
        if not channels or bad:
            raise ValidationError(f"Choose channels from {', '.join(Channel.values)}")
        clean["value"] = channels
    elif kind == "text_contains":
        phrases = _as_list(value)
        if not phrases:
            raise ValidationError("Text contains: give at least one phrase")
        clean["value"] = phrases
    elif kind == "text_matches":
        clean["value"] = regex_validate(str(value or ""))
    elif kind in ("intent", "sentiment", "urgency", "language"):
        values = _as_list(value)
        if not values:
            raise ValidationError(f"{FIELDS[kind]}: give at least one value")
        allowed = {"sentiment": SENTIMENTS, "urgency": URGENCIES}.get(kind)
        if allowed and any(v not in allowed for v in values):
            raise ValidationError(f"{FIELDS[kind]} is one of {', '.join(allowed)}")
        if kind == "language" and any(len(v) != 2 or not v.isalpha() for v in values):
            raise ValidationError("Language is a two-letter ISO 639-1 code, e.g. en, de")
        clean["value"] = values
        threshold = condition.get("min_confidence")
        if threshold not in (None, ""):
            try:
                threshold = float(threshold)
            except (TypeError, ValueError):
                raise ValidationError("Minimum confidence is a number between 0 and 1") from None
            if not 0 <= threshold <= 1:
                raise ValidationError("Minimum confidence is a number between 0 and 1")
            clean["min_confidence"] = threshold
    elif kind == "human_reason":
        reasons = _as_list(value) or ["any"]
        bad = [r for r in reasons if r != "any" and r not in HUMAN_REASONS]
        if bad:
            raise ValidationError(f"A person should own it: the reasons are any, {', '.join(HUMAN_REASONS)}")
        clean["value"] = reasons
    elif kind == "customer_tag":
        tags = _as_list(value)
        if not tags:
            raise ValidationError("Customer tag: give at least one tag")
        clean["value"] = tags
    elif kind == "customer_attribute":
        key = str(condition.get("key") or "").strip()
        if not key or value in (None, ""):
            raise ValidationError("Customer attribute needs a name and a value, e.g. plan = enterprise")
        clean.update(key=key, value=str(value).strip())
    elif kind == "business_hours":
        if value not in ("open", "closed"):
            raise ValidationError("Business hours is open or closed")
        clean["value"] = value
        if condition.get("team_id"):
            clean["team_id"] = int(condition["team_id"])
    elif kind == "customer_kind":
        if value not in ("new", "returning"):
            raise ValidationError("Customer is new or returning")
        clean["value"] = value
    elif kind == "ai_turns":
        try:
            clean["value"] = int(value)
        except (TypeError, ValueError):
            raise ValidationError("AI turns is a whole number") from None
        if clean["value"] < 0:
            raise ValidationError("AI turns is a whole number")
        clean["op"] = "lt" if condition.get("op") == "lt" else "gte"
    elif kind == "reopened":
        clean["value"] = bool(value)
    return clean


def regex_validate(pattern: str) -> str:
    """Accept a pattern only if it compiles, is short, and has no nested repetition.

    Nested quantifiers like ``(a+)+`` are what makes backtracking explode; the time-box in
    ``condition_check`` is the second line of defence.
    """
    if not pattern.strip():
        raise ValidationError("Pattern: write a regular expression")
    if len(pattern) > REGEX_MAX_LENGTH:
        raise ValidationError(f"Pattern is longer than {REGEX_MAX_LENGTH} characters")
    try:
        regex.compile(pattern)
    except regex.error as exc:
        raise ValidationError(f"Pattern does not compile: {exc}") from None
    if regex.search(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]", pattern):
        raise ValidationError("Pattern repeats a group that itself repeats (like (a+)+): that can hang; simplify it")
    return pattern


def condition_describe(condition: dict) -> str:
    kind = condition.get("field")
    value = condition.get("value")
    label = FIELDS.get(kind, kind)
    if kind == "customer_attribute":
        return f"{label} {condition.get('key')} = {value}"
    if kind == "ai_turns":
        return f"{label} {'<' if condition.get('op') == 'lt' else '≥'} {value}"
    if kind == "reopened":
        return "Reopened" if value else "Not reopened"
    shown = ", ".join(value) if isinstance(value, list) else str(value)
    suffix = f" (confidence ≥ {condition['min_confidence']:.2f})" if condition.get("min_confidence") else ""
    return f"{label}: {shown}{suffix}"
