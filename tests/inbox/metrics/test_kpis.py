"""KPIs against hand-built conversations whose right answers are known."""

from datetime import UTC, date, datetime, timedelta

import pytest

from inbox.hours import business_hours_set
from inbox.metrics.facts import conversation_facts_refresh
from inbox.metrics.kpis import (
    Filters,
    kpi_by_agent,
    kpi_by_channel,
    kpi_handoff_reasons,
    kpi_heatmap,
    kpi_summary,
    kpi_trend,
)
from inbox.metrics.models import ConversationFact
from inbox.models import Conversation, Message
from tests.factories import AgentFactory, CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
DAY = Filters(start=date(2026, 3, 2), end=date(2026, 3, 2))


def build(
    channel: str, script: list[tuple[int, str, str]], *, resolved_after: int | None = None, agent=None, team=None
):
    """A conversation from (seconds after T0, direction, author) steps."""
    conversation = Conversation.objects.create(
        customer=CustomerFactory(), channels=[channel], assignee=agent.user if agent else None, team=team
    )
    for seconds, direction, author in script:
        metadata = {}
        if direction == "handoff":
            direction, metadata = Message.Direction.EVENT, {"kind": "assignment", "handoff_reason": author}
            author = Message.Author.SYSTEM
        message = Message.objects.create(
            conversation=conversation,
            channel="" if direction == Message.Direction.EVENT else channel,
            direction=direction,
            author_kind=author,
            author=agent.user if author == "agent" and agent else None,
            metadata=metadata,
        )
        Message.objects.filter(pk=message.pk).update(created_at=T0 + timedelta(seconds=seconds))
    status = Conversation.Status.RESOLVED if resolved_after is not None else Conversation.Status.OPEN
    resolved_at = T0 + timedelta(seconds=resolved_after) if resolved_after is not None else None
    Conversation.objects.filter(pk=conversation.pk).update(created_at=T0, status=status, resolved_at=resolved_at)
    return conversation


@pytest.fixture
def scenario():
    ana = AgentFactory(user__first_name="Ana")
    human = build(
        "email",
        [
            (0, "inbound", "customer"),
            (600, "outbound", "agent"),
            (3600, "inbound", "customer"),
            (5400, "outbound", "agent"),
        ],
        resolved_after=7200,
        agent=ana,
    )
    ai_only = build("chat", [(0, "inbound", "customer"), (5, "outbound", "ai")], resolved_after=600)
    abandoned = build("chat", [(0, "inbound", "customer")], resolved_after=1200)
    handed = build(
        "whatsapp",
        [(0, "inbound", "customer"), (10, "outbound", "ai"), (60, "inbound", "customer"),
         (70, "handoff", "customer asked for a person"), (1260, "outbound", "agent")],
        agent=ana,
    )  # fmt: skip
    conversation_facts_refresh()
    return {"ana": ana, "human": human, "ai_only": ai_only, "abandoned": abandoned, "handed": handed}


def test_each_conversation_gets_the_facts_a_person_would_count(scenario):
    human = ConversationFact.objects.get(conversation=scenario["human"])
    assert (human.first_response_seconds, human.next_response_seconds, human.resolution_seconds) == (600, 1800, 7200)
    assert human.human_replies == 2 and not human.resolved_by_ai

    ai_only = ConversationFact.objects.get(conversation=scenario["ai_only"])
    assert ai_only.first_response_by_ai and ai_only.resolved_by_ai and ai_only.first_response_seconds == 5

    handed = ConversationFact.objects.get(conversation=scenario["handed"])
    assert handed.handed_off and handed.handoff_reason == "customer asked for a person"
    assert handed.next_response_seconds == 1200 and handed.agent_id == scenario["ana"].user_id

    assert ConversationFact.objects.get(conversation=scenario["abandoned"]).abandoned
    assert not ai_only.abandoned


def test_the_summary(scenario):
    summary = kpi_summary(DAY)
    assert summary["conversations"] == 4
    assert summary["frt_median"] == 10  # first responses 600, 5, 10 → median 10
    assert summary["resolution_median"] == 1200  # 7200, 600, 1200
    assert summary["automated_resolution_rate"] == pytest.approx(33.3)  # 1 of 3 resolved, by the AI alone
    assert summary["handoff_rate"] == 50.0  # 1 of the 2 the AI touched
    assert summary["abandonment_rate"] == 50.0  # 1 of 2 chats


def test_a_handoff_before_any_ai_answer_counts_in_the_handoff_rate(scenario):
    build("chat", [(0, "inbound", "customer"), (30, "handoff", "the AI model timed out")])
    conversation_facts_refresh()
    summary = kpi_summary(DAY)
    assert (summary["handed_off"], summary["ai_handled"]) == (2, 3)
    assert summary["handoff_rate"] == pytest.approx(66.7)  # 2 of the 3 the AI owned, not "2 of 2 it answered"


def test_filters_split_the_numbers(scenario):
    assert kpi_summary(Filters(start=DAY.start, end=DAY.end, channel="chat"))["conversations"] == 2
    assert kpi_summary(Filters(start=DAY.start, end=DAY.end, handled_by="ai"))["conversations"] == 1
    assert kpi_summary(Filters(start=DAY.start, end=DAY.end, agent_id=scenario["ana"].user_id))["conversations"] == 2
    assert kpi_summary(Filters(start=date(2026, 3, 3), end=date(2026, 3, 9)))["conversations"] == 0
    by_channel = {row["channel"]: row["conversations"] for row in kpi_by_channel(DAY)}
    assert by_channel == {"chat": 2, "email": 1, "whatsapp": 1}


def test_heatmap_reasons_and_agents(scenario):
    grid = kpi_heatmap(DAY)
    assert grid[0][9] == 4 and sum(map(sum, grid)) == 4  # Monday, 09:00
    assert kpi_handoff_reasons(DAY) == [{"handoff_reason": "customer asked for a person", "n": 1}]
    [ana] = kpi_by_agent(DAY)
    # Ana replied at 09:10, 10:30 and 09:21: two distinct hours, two conversations.
    assert ana["conversations"] == 2 and ana["per_hour"] == 1.0


def test_the_refresh_reads_only_conversations_changed_since_the_last_run(scenario):
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    Conversation.objects.update(updated_at=an_hour_ago)
    assert conversation_facts_refresh() == 0

    Message.objects.create(
        conversation=scenario["abandoned"], channel="chat", direction="outbound", author_kind="agent"
    )
    Conversation.objects.filter(pk=scenario["abandoned"].pk).update(updated_at=datetime.now(UTC))
    assert conversation_facts_refresh() == 1
    assert not ConversationFact.objects.get(conversation=scenario["abandoned"]).abandoned


def test_business_hours_count_only_the_time_the_team_was_open():
    """Written Monday 09:00 UTC to a team open 10:00-12:00 UTC on weekdays."""
    team = TeamFactory()
    business_hours_set(team=team, timezone="UTC", weekly={str(d): [["10:00", "12:00"]] for d in range(5)}, holidays=[])
    day = 24 * 3600
    conversation = build(
        "sms",
        [(0, "inbound", "customer"), (3 * 3600, "outbound", "agent"),  # answered 12:00: 2 open hours
         (3 * 3600 + 60, "inbound", "customer"), (day + 3600 + 1800, "outbound", "agent")],  # Tue 10:30: 30 min
        resolved_after=day + 2 * 3600,  # Tuesday 11:00: 2 h Monday + 1 h Tuesday
        team=team,
    )  # fmt: skip
    conversation_facts_refresh()
    fact = ConversationFact.objects.get(conversation=conversation)
    assert (fact.first_response_seconds, fact.first_response_business_seconds) == (3 * 3600, 2 * 3600)
    assert fact.next_response_business_seconds == 1800
    assert (fact.resolution_seconds, fact.resolution_business_seconds) == (day + 2 * 3600, 3 * 3600)

    wall_clock = kpi_summary(DAY)
    business = kpi_summary(Filters(start=DAY.start, end=DAY.end, business_hours=True))
    assert (wall_clock["frt_median"], business["frt_median"]) == (3 * 3600, 2 * 3600)
    assert (wall_clock["resolution_median"], business["resolution_median"]) == (day + 2 * 3600, 3 * 3600)


def test_sla_breaches_are_counted_once_per_conversation(scenario):
    for timer in ("First response", "Resolution"):
        Message.objects.create(
            conversation=scenario["human"],
            direction=Message.Direction.EVENT,
            author_kind=Message.Author.SYSTEM,
            metadata={"kind": "sla", "stage": "breached", "timer": timer},
        )
    Message.objects.create(
        conversation=scenario["handed"],
        direction=Message.Direction.EVENT,
        author_kind=Message.Author.SYSTEM,
        metadata={"kind": "sla", "stage": "warning", "timer": "First response"},
    )
    conversation_facts_refresh(full=True)
    assert ConversationFact.objects.get(conversation=scenario["human"]).sla_breaches == 2
    assert ConversationFact.objects.get(conversation=scenario["handed"]).sla_breaches == 0  # a warning is not a breach
    summary = kpi_summary(DAY)
    assert (summary["sla_breached"], summary["sla_breach_rate"]) == (1, 25.0)
    assert {row["channel"]: row["sla_breached"] for row in kpi_by_channel(DAY)}["email"] == 1


def test_the_trend_has_every_day_of_the_range_quiet_ones_as_zero():
    build("sms", [(0, "inbound", "customer"), (120, "outbound", "agent")])
    conversation_facts_refresh()

    trend = kpi_trend(Filters(start=date(2026, 3, 1), end=date(2026, 3, 3)))

    assert [(row["day"], row["conversations"]) for row in trend] == [
        (date(2026, 3, 1), 0),
        (date(2026, 3, 2), 1),
        (date(2026, 3, 3), 0),
    ]
    assert trend[0]["frt_median"] is None and trend[1]["frt_median"] == 120
