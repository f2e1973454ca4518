import csv
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from inbox.metrics.kpis import (
    Filters,
    kpi_by_agent,
    kpi_by_channel,
    kpi_csat_by_owner,
    kpi_handoff_reasons,
    kpi_heatmap,
    kpi_summary,
    kpi_trend,
)
from inbox.models import AgentProfile, Channel, Team
from inbox.selectors import assignable_agents

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _viewer_teams(user) -> tuple[int, ...] | None:
    """None for admins (everything); a team lead's teams; agents may not look."""
    profile = AgentProfile.objects.filter(user=user).prefetch_related("teams").first()
    if user.is_superuser or (profile and profile.role == AgentProfile.Role.ADMIN):
        return None
    if profile and profile.role == AgentProfile.Role.LEAD:
        return tuple(t.pk for t in profile.teams.all())
    raise PermissionDenied("The dashboard is for admins and team leads")


def _filters(request, team_ids) -> Filters:
    today = timezone.localdate()

    def day(name: str, default: date) -> date:
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    def number(name: str) -> int | None:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    start, end = day("start", today - timedelta(days=29)), day("end", today)
    channel = request.GET.get("channel", "")
    handled_by = request.GET.get("handled_by", "")
    return Filters(
        start=min(start, end),
        end=max(start, end),
        channel=channel if channel in Channel.values else "",
        team_id=number("team"),
        agent_id=number("agent"),
        handled_by=handled_by if handled_by in ("ai", "human") else "",
        team_ids=team_ids,
        business_hours=request.GET.get("business_hours") == "1",
    )


def _agents(team_ids: tuple[int, ...] | None):
    """Who the agent filter offers: a lead sees the members of their teams, an admin everyone."""
    agents = assignable_agents().filter(capacity__gt=0).select_related("user").order_by("user__first_name")
    return agents if team_ids is None else agents.filter(teams__in=team_ids).distinct()


@login_required
def dashboard(request):
    filters = _filters(request, _viewer_teams(request.user))
    heatmap = kpi_heatmap(filters)
    peak = max((max(row) for row in heatmap), default=0) or 1
    trend = kpi_trend(filters)
    reasons = kpi_handoff_reasons(filters)
    context = {
        "filters": filters,
        "summary": kpi_summary(filters),
        "by_channel": kpi_by_channel(filters),
        "by_agent": kpi_by_agent(filters),
        "csat_by_owner": kpi_csat_by_owner(filters),
        "heatmap": [(WEEKDAYS[i], [(n, round(n / peak, 2)) for n in row]) for i, row in enumerate(heatmap)],
        "chart_data": {
            "trend": {
                "labels": [row["day"].isoformat() for row in trend],
                "conversations": [row["conversations"] for row in trend],
                "frt_minutes": [round(row["frt_median"] / 60, 1) if row["frt_median"] else None for row in trend],
            },
            "reasons": {
                "labels": [r["handoff_reason"] or "unspecified" for r in reasons],
                "counts": [r["n"] for r in reasons],
            },
        },
        "channels": Channel.choices,
        "hours": range(24),
        "teams": Team.objects.filter(pk__in=filters.team_ids) if filters.team_ids is not None else Team.objects.all(),
        "agents": _agents(filters.team_ids),
    }
    return render(request, "metrics/dashboard.html", context)


@login_required
def dashboard_csv(request):
    filters = _filters(request, _viewer_teams(request.user))
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="kpis-{filters.start}-{filters.end}.csv"'
    writer = csv.writer(response)
    columns = ["conversations", "frt_median", "frt_p90", "nrt_median", "resolution_median", "resolution_p90"]
    # Units in the header: times are seconds, the last column conversations per agent-hour.
    header = [c if c == "conversations" else f"{c}_seconds" for c in columns]
    writer.writerow(["group", "name", *header, "conversations_per_agent_hour"])
    for row in kpi_by_channel(filters):
        writer.writerow(["channel", row["channel"], *[_cell(row[c]) for c in columns], ""])
    for row in kpi_by_agent(filters):
        name = row["first_name"] or row["username"]
        writer.writerow(["agent", name, *[_cell(row[c]) for c in columns], _cell(row["per_hour"])])
    return response


def _cell(value) -> str:
    return "" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)
