"""Each rule condition on its own: what matches, what does not, and the explanation."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from inbox.hours import business_hours_set
from inbox.rules.conditions import RoutingContext, condition_check, condition_validate, regex_validate
from tests.factories import TeamFactory

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday


def ctx(**kwargs) -> RoutingContext:
    base = {"channel": "whatsapp", "text": "Where is my order #1234?", "at": AT}
    return RoutingContext(**{**base, **kwargs})


CLASSIFIED = {"intent": "order_status", "confidence": 0.93, "sentiment": "negative", "urgency": "high",
              "language": "de"}  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "context", "expected", "detail"),
    [
        ({"field": "channel", "value": ["whatsapp", "sms"]}, {}, True, "channel=whatsapp"),
        ({"field": "channel", "value": ["email"]}, {}, False, "channel=whatsapp"),
        ({"field": "text_contains", "value": ["refund", "ORDER"]}, {}, True, "text contains 'ORDER'"),
        ({"field": "text_contains", "value": ["refund"]}, {}, False, "text has none of the phrases"),
        ({"field": "text_matches", "value": r"#\d{4}"}, {}, True, "text matches '#1234'"),
        ({"field": "text_matches", "value": r"^refund"}, {}, False, "text does not match"),
        ({"field": "intent", "value": ["order_status"], "min_confidence": 0.9}, {"classification": CLASSIFIED},
         True, "intent=order_status 0.93"),
        ({"field": "intent", "value": ["order_status"], "min_confidence": 0.95}, {"classification": CLASSIFIED},
         False, "intent=order_status 0.93 < 0.95"),
        ({"field": "intent", "value": ["billing"]}, {"classification": CLASSIFIED}, False, "intent=order_status 0.93"),
        ({"field": "sentiment", "value": ["negative"]}, {"classification": CLASSIFIED}, True, "sentiment=negative"),
        ({"field": "urgency", "value": ["low", "normal"]}, {"classification": CLASSIFIED}, False, "urgency=high"),
        ({"field": "language", "value": ["de", "at"]}, {"classification": CLASSIFIED}, True, "language=de"),
        ({"field": "intent", "value": ["order_status"]}, {"classification": {"error": "timeout"}}, False,
         "no classification"),
        ({"field": "sentiment", "value": ["negative"]}, {"classification": {}}, False, "no classification"),
        ({"field": "customer_tag", "value": ["vip"]}, {"customer_tags": ["vip", "b2b"]}, True, "customer tagged vip"),
        ({"field": "customer_tag", "value": ["vip"]}, {"customer_tags": []}, False, "customer not tagged vip"),
        ({"field": "customer_attribute", "key": "plan", "value": "Enterprise"},
         {"customer_attributes": {"plan": "enterprise"}}, True, "plan=enterprise"),
        ({"field": "customer_attribute", "key": "plan", "value": "enterprise"}, {}, False, "no plan"),
        ({"field": "customer_kind", "value": "returning"}, {"returning": True}, True, "returning customer"),
        ({"field": "customer_kind", "value": "returning"}, {}, False, "new customer"),
        ({"field": "ai_turns", "op": "gte", "value": 3}, {"ai_turns": 3}, True, "AI turns=3"),
        ({"field": "ai_turns", "op": "lt", "value": 3}, {"ai_turns": 3}, False, "AI turns=3"),
        ({"field": "reopened", "value": True}, {"reopened": True}, True, "reopened"),
        ({"field": "reopened", "value": True}, {}, False, "not reopened"),
    ],
)  # fmt: skip
def test_condition(condition, context, expected, detail):
    assert condition_check(condition, ctx(**context)) == (expected, detail)


@pytest.mark.django_db
def test_business_hours_condition_uses_the_named_team_or_the_rules_team():
    berlin = TeamFactory(name="Berlin")
    business_hours_set(team=berlin, timezone="Europe/Berlin", weekly={"0": [["09:00", "17:00"]]}, holidays=[])
    teams = {berlin.pk: berlin}
    # 15:00 UTC on Monday is 16:00 in Berlin: open. 17:00 UTC is 18:00: closed.
    assert condition_check({"field": "business_hours", "value": "open", "team_id": berlin.pk},
                           ctx(team_ids=teams)) == (True, "business hours open (Berlin)")  # fmt: skip
    late = ctx(team_ids=teams, at=AT.replace(hour=17))
    assert condition_check({"field": "business_hours", "value": "closed"}, late, default_team=berlin) == (
        True,
        "business hours closed (Berlin)",
    )


def test_a_catastrophic_pattern_is_refused_when_saved():
    with pytest.raises(ValidationError, match="repeats a group"):
        regex_validate(r"(a+)+$")
    with pytest.raises(ValidationError, match="does not compile"):
        regex_validate(r"(unclosed")
    with pytest.raises(ValidationError, match="longer than"):
        regex_validate("a" * 301)


def test_a_pattern_that_backtracks_forever_is_time_boxed_not_hung():
    # (a|aa)+$ passes the save-time check but backtracks exponentially on a non-matching input.
    import time

    pattern = regex_validate(r"(a|aa)+$")
    started = time.monotonic()
    matched, detail = condition_check({"field": "text_matches", "value": pattern}, ctx(text="a" * 40 + "!"))
    assert (matched, detail) == (False, "pattern timed out (treated as no match)")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "channel", "value": ["fax"]}, "Choose channels"),
        ({"field": "sentiment", "value": ["furious"]}, "Sentiment is one of"),
        ({"field": "intent", "value": "x", "min_confidence": 2}, "between 0 and 1"),
        ({"field": "language", "value": ["english"]}, "ISO 639-1"),
        ({"field": "customer_attribute", "key": "", "value": "x"}, "needs a name and a value"),
        ({"field": "ai_turns", "value": "many"}, "whole number"),
        ({"field": "nope"}, "Unknown condition"),
    ],
)
def test_invalid_conditions_are_refused_with_a_reason(condition, message):
    with pytest.raises(ValidationError, match=message):
        condition_validate(condition)


DECIDED = {"intent": "billing", "confidence": 0.91, "sentiment": "negative", "sentiment_confidence": 0.62,
           "signals": {"negative": 0.62, "sensitive": 0.88}, "human_reasons": ["sensitive", "negative"]}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected", "detail"),
    [
        (["any"], True, "needs a person: sensitive 0.88"),
        (["negative"], True, "needs a person: negative 0.62"),
        (["vip_sales", "asks_human"], False, "no reason a person should own it"),
    ],
)
def test_human_reason_matches_the_stored_reasons_with_their_score(value, expected, detail):
    condition = condition_validate({"field": "human_reason", "value": value})
    assert condition_check(condition, ctx(classification=DECIDED)) == (expected, detail)


def test_human_reason_never_matches_without_decision_signals():
    condition = {"field": "human_reason", "value": ["any"]}
    assert condition_check(condition, ctx(classification={"error": "boom"}))[0] is False
    assert condition_check(condition, ctx(classification={"intent": "billing"}))[0] is False


def test_human_reason_rejects_an_unknown_reason():
    with pytest.raises(ValidationError, match="the reasons are any"):
        condition_validate({"field": "human_reason", "value": ["grumpy"]})


def test_sentiment_confidence_is_the_sentiments_own_not_the_intents():
    # 0.91 is how sure the intent is; the sentiment is only 0.62 sure, under the rule's 0.7.
    condition = {"field": "sentiment", "value": ["negative"], "min_confidence": 0.7}
    assert condition_check(condition, ctx(classification=DECIDED))[0] is False
    assert condition_check({**condition, "min_confidence": 0.6}, ctx(classification=DECIDED))[0] is True
