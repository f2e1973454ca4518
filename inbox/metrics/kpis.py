"""KPI queries over ConversationFact: a few aggregate queries whatever the volume."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncHour

from inbox.metrics.models import ConversationFact
from inbox.models import Message


class Percentile(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: float, **extra):
        super().__init__(expression, percentile=percentile, **extra)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    channel: str = ""
    team_id: int | None = None
    agent_id: int | None = None
    handled_by: str = ""  # "", "ai" or "human"
    team_ids: tuple[int, ...] | None = None  # a team lead's teams
    business_hours: bool = False  # count waits only while the team is open

    def timing(self, name: str) -> str:
        """The fact column for ``first_response``, ``next_response`` or ``resolution``."""
        return f"{name}_business_seconds" if self.business_hours else f"{name}_seconds"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    def queryset(self) -> QuerySet[ConversationFact]:
        since = datetime.combine(self.start, time.min, tzinfo=self.tz)
        until = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.tz)
        facts = ConversationFact.objects.filter(started_at__gte=since, started_at__lt=until)
        if self.channel:
            facts = facts.filter(channel=self.channel)
        if self.team_id:
            facts = facts.filter(team_id=self.team_id)
        if self.team_ids is not None:
            facts = facts.filter(team_id__in=self.team_ids)
        if self.agent_id:
            facts = facts.filter(agent_id=self.agent_id)
        if self.handled_by == "ai":
            facts = facts.filter(ai_replies__gt=0, human_replies=0)
        elif self.handled_by == "human":
            facts = facts.filter(human_replies__gt=0)
        return facts


def _timings(filters: Filters) -> dict:
    """Response and resolution percentiles, plus CSAT (mean and share of 4-5 ratings)."""
    first, later, resolution = (filters.timing(n) for n in ("first_response", "next_response", "resolution"))
    return {
        "csat_average": Avg("csat_rating"),
        "csat_answers": Count("csat_rating"),
        "csat_satisfied": Count("pk", filter=Q(csat_rating__gte=4)),
        "frt_median": Percentile(first, 0.5),
        "frt_p90": Percentile(first, 0.9),
        "nrt_median": Percentile(later, 0.5),
        "resolution_median": Percentile(resolution, 0.5),
        "resolution_p90": Percentile(resolution, 0.9),
    }


def kpi_summary(filters: Filters) -> dict:
    facts = filters.queryset()
    summary = facts.aggregate(
        conversations=Count("pk"),
        resolved=Count("pk", filter=Q(resolved=True)),
        resolved_by_ai=Count("pk", filter=Q(resolved_by_ai=True)),
        # Handed off before any AI answer (a person asked for, a sensitive topic, no grounded
        # answer, the model down) is the AI's conversation too: the handoff rate must count it.
        ai_handled=Count("pk", filter=Q(ai_replies__gt=0) | Q(handed_off=True)),
        handed_off=Count("pk", filter=Q(handed_off=True)),
        chats=Count("pk", filter=Q(channel="chat")),
        abandoned=Count("pk", filter=Q(abandoned=True)),
        sla_breached=Count("pk", filter=Q(sla_breaches__gt=0)),
        **_timings(filters),
    )
    summary["csat_score"] = _rate(summary["csat_satisfied"], summary["csat_answers"])
    summary["automated_resolution_rate"] = _rate(summary["resolved_by_ai"], summary["resolved"])
    summary["handoff_rate"] = _rate(summary["handed_off"], summary["ai_handled"])
    summary["abandonment_rate"] = _rate(summary["abandoned"], summary["chats"])
    summary["sla_breach_rate"] = _rate(summary["sla_breached"], summary["conversations"])
    return summary


def kpi_trend(filters: Filters) -> list[dict]:
    """One row per day of the range, quiet days included (zero, no median): the chart's axis is time."""
    rows = {
        row["day"]: row
        for row in filters.queryset()
        .annotate(day=TruncDate("started_at", tzinfo=filters.tz))
        .values("day")
        .annotate(conversations=Count("pk"), frt_median=Percentile(filters.timing("first_response"), 0.5))
    }
    days = (filters.start + timedelta(days=n) for n in range((filters.end - filters.start).days + 1))
    return [rows.get(day, {"day": day, "conversations": 0, "frt_median": None}) for day in days]


def kpi_heatmap(filters: Filters) -> list[list[int]]:
    """Conversations started per ISO weekday (rows, Monday first) and hour of day (columns)."""
    grid = [[0] * 24 for _ in range(7)]
    cells = (
        filters.queryset()
        .annotate(
            weekday=ExtractIsoWeekDay("started_at", tzinfo=filters.tz),
            hour=ExtractHour("started_at", tzinfo=filters.tz),
        )
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
    )
    for cell in cells:
        grid[cell["weekday"] - 1][cell["hour"]] = cell["n"]
    return grid


def kpi_handoff_reasons(filters: Filters) -> list[dict]:
    return list(
        filters.queryset()
        .filter(handed_off=True)
        .values("handoff_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "handoff_reason")
    )


def kpi_by_channel(filters: Filters) -> list[dict]:
    return list(
        filters.queryset()
        .values("channel")
        .annotate(
            conversations=Count("pk"),
            abandoned=Count("pk", filter=Q(abandoned=True)),
            sla_breached=Count("pk", filter=Q(sla_breaches__gt=0)),
            **_timings(filters),
        )
        .order_by("channel")
    )


def kpi_csat_by_owner(filters: Filters) -> list[dict]:
    """CSAT for the AI agent and for each human agent."""
    rows = (
        filters.queryset()
        .filter(csat_rating__isnull=False)
        .values("resolved_by_ai", "agent_id", first_name=F("agent__first_name"), username=F("agent__username"))
        .annotate(answers=Count("pk"), average=Avg("csat_rating"), satisfied=Count("pk", filter=Q(csat_rating__gte=4)))
        .order_by("-resolved_by_ai", "-answers")
    )
    return [
        {
            "owner": "AI agent" if r["resolved_by_ai"] else (r["first_name"] or r["username"] or "Unassigned"),
            "answers": r["answers"],
            "average": round(r["average"], 2),
            "score": _rate(r["satisfied"], r["answers"]),
        }
        for r in rows
    ]


def kpi_by_agent(filters: Filters) -> list[dict]:
    """Per agent, with conversations per active hour (hours in which they replied at all)."""
    rows = list(
        filters.queryset()
        .filter(agent__isnull=False, human_replies__gt=0)
        .values("agent_id", first_name=F("agent__first_name"), username=F("agent__username"))
        .annotate(conversations=Count("pk"), replies=Sum("human_replies"), **_timings(filters))
        .order_by("-conversations")
    )
    hours = _active_hours(filters, [r["agent_id"] for r in rows])
    for row in rows:
        row["per_hour"] = (
            round(row["conversations"] / hours[row["agent_id"]], 2) if hours.get(row["agent_id"]) else None
        )
    return rows


def _active_hours(filters: Filters, agent_ids: list[int]) -> dict[int, int]:
    if not agent_ids:
        return {}
    since = datetime.combine(filters.start, time.min, tzinfo=filters.tz)
    until = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=filters.tz)
    rows = (
        Message.objects.filter(
            author_id__in=agent_ids, direction=Message.Direction.OUTBOUND, created_at__gte=since, created_at__lt=until
        )
        .annotate(hour=TruncHour("created_at"))
        .values("author_id")
        .annotate(hours=Count("hour", distinct=True))
    )
    return {r["author_id"]: r["hours"] for r in rows}


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
