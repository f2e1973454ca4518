"""Business hours per team, in the team's own time zone, DST-correct (zoneinfo).

Public API (safe to call from anywhere, read-only):

- ``team_is_open(team, at) -> bool``: is ``team`` open at the aware datetime ``at``? A team
  without a BusinessHours row (or ``team=None``) is open around the clock.
- ``next_opening(team, at) -> datetime``: ``at`` itself when open, else the next moment the team
  opens (aware, in the team's zone). Raises ValueError when the team never opens.
- ``business_deadline(team, start, minutes) -> datetime``: ``minutes`` of open time after ``start``
  (for SLA timers counted in business hours only).
- ``open_seconds(hours, start, end) -> float``: open time between two instants, for KPIs in
  business hours (``hours=None``: around the clock).
- ``opening_text(team, at) -> str``: "Monday 09:00 (Europe/Berlin)", for customer messages.

Intervals are wall-clock times: 09:00-17:00 stays 09:00-17:00 local across a DST change, so
the UTC instants move by an hour. A local time that does not exist (spring-forward gap) moves
forward by the gap (02:30 -> 03:30); a repeated one (autumn) means its first occurrence.
"""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox.audit.services import audit_record
from inbox.models import Team
from inbox.models_routing import BusinessHours

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SEARCH_DAYS = 400  # a year of holidays plus a week


def hours_for(team: Team | None) -> BusinessHours | None:
    if team is None:
        return None
    try:
        return team.hours
    except BusinessHours.DoesNotExist:
        return None


def _parse_hhmm(value: str) -> time | None:
    """``None`` stands for 24:00 (end of day)."""
    if value == "24:00":
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _local(day: date, at: time | None, zone: ZoneInfo) -> datetime:
    """The aware instant for a wall-clock time; gaps move forward, repeated times take the first."""
    if at is None:
        return _local(day + timedelta(days=1), time(0), zone)
    naive = datetime.combine(day, at)
    # fold=0 reads a time in the spring-forward gap with the pre-change offset; normalising
    # through UTC turns it into a real instant, moved forward by the gap (02:30 -> 03:30).
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _intervals(hours: BusinessHours, day: date) -> list[tuple[datetime, datetime]]:
    if day in hours.holidays:
        return []
    zone = ZoneInfo(hours.timezone)
    spans = []
    for start, end in hours.weekly.get(str(day.weekday()), []):
        spans.append((_local(day, _parse_hhmm(start), zone), _local(day, _parse_hhmm(end), zone)))
    return sorted(spans)


def _intervals_from(hours: BusinessHours, at: datetime):
    """Open intervals (aware) that end after ``at``, in order, for up to SEARCH_DAYS days."""
    zone = ZoneInfo(hours.timezone)
    day = at.astimezone(zone).date() - timedelta(days=1)  # yesterday's late shift may still run
    for offset in range(SEARCH_DAYS):
        for start, end in _intervals(hours, day + timedelta(days=offset)):
            if end > at:
                yield start, end


def team_is_open(team: Team | None, at: datetime) -> bool:
    hours = hours_for(team)
    if hours is None:
        return True
    for start, _end in _intervals_from(hours, at):
        return start <= at
    return False


def next_opening(team: Team | None, at: datetime) -> datetime:
    hours = hours_for(team)
    if hours is None:
        return at
    zone = ZoneInfo(hours.timezone)
    for start, _end in _intervals_from(hours, at):
        return max(start, at).astimezone(zone)
    raise ValueError(f"{team} has no opening hours in the next {SEARCH_DAYS} days")


def business_deadline(team: Team | None, start: datetime, minutes: int) -> datetime:
    hours = hours_for(team)
    if hours is None:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    for open_at, close_at in _intervals_from(hours, start):
        begin = max(open_at, start)
        if begin + remaining <= close_at:
            return begin + remaining
        remaining -= close_at - begin
    raise ValueError(f"{team} has no opening hours in the next {SEARCH_DAYS} days")


def open_seconds(hours: BusinessHours | None, start: datetime, end: datetime) -> float:
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    total = 0.0
    for open_at, close_at in _intervals_from(hours, start):
        if open_at >= end:
            break
        total += (min(close_at, end) - max(open_at, start)).total_seconds()
    return total


def opening_text(team: Team | None, at: datetime) -> str:
    try:
        when = next_opening(team, at)
    except ValueError:
        return "at a date not yet announced"
    hours = hours_for(team)
    zone_name = hours.timezone if hours else "UTC"
    local_now = at.astimezone(when.tzinfo)
    if when.date() == local_now.date():
        day = "today"
    elif when.date() == local_now.date() + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"{DAY_NAMES[when.weekday()]} {when:%d %b}"
    return f"{day} at {when:%H:%M} ({zone_name})"


def weekly_validate(weekly: dict) -> dict:
    """Clean ``weekly`` or raise ValidationError saying which day and interval is wrong."""
    cleaned = {}
    for key, spans in (weekly or {}).items():
        if key not in {str(i) for i in range(7)}:
            raise ValidationError(f"Unknown day {key!r}")
        day = DAY_NAMES[int(key)]
        cleaned_spans = []
        for span in spans:
            if len(span) != 2:
                raise ValidationError(f"{day}: each interval is a start and an end")
            try:
                start, end = _parse_hhmm(span[0]), _parse_hhmm(span[1])
            except (ValueError, AttributeError):
                raise ValidationError(f"{day}: {span[0]}-{span[1]} is not HH:MM-HH:MM") from None
            if start is None or (end is not None and end <= start):
                raise ValidationError(f"{day}: {span[0]}-{span[1]} ends before it starts")
            cleaned_spans.append([f"{start:%H:%M}", "24:00" if end is None else f"{end:%H:%M}"])
        cleaned_spans.sort()
        for (_, prev_end), (next_start, _) in itertools.pairwise(cleaned_spans):
            if next_start < prev_end:
                raise ValidationError(f"{day}: intervals overlap")
        if cleaned_spans:
            cleaned[key] = cleaned_spans
    return cleaned


def weekly_parse(text: str) -> dict:
    """``"09:00-12:00, 13:00-17:00"`` per day line -> weekly dict. Used by the settings form."""
    spans = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" not in part:
            raise ValidationError(f"{part!r} is not HH:MM-HH:MM")
        start, end = (p.strip() for p in part.split("-", 1))
        spans.append([start, end])
    return spans


def timezone_validate(name: str) -> str:
    if name not in available_timezones():
        raise ValidationError(f"{name!r} is not a time zone (e.g. Europe/Berlin)")
    return name


def business_hours_set(
    *, team: Team, timezone: str, weekly: dict, holidays: list[date], actor: AbstractBaseUser | None = None
) -> BusinessHours:
    """Replace a team's hours after validating them (ValidationError says what is wrong)."""
    timezone = timezone_validate(timezone.strip())
    weekly = weekly_validate(weekly)
    with transaction.atomic():
        current = BusinessHours.objects.select_for_update().filter(team=team).first()
        before = _hours_snapshot(current) if current else None
        hours, _ = BusinessHours.objects.update_or_create(
            team=team, defaults={"timezone": timezone, "weekly": weekly, "holidays": sorted(set(holidays))}
        )
        after = _hours_snapshot(hours)
        if after != before:
            audit_record(actor=actor, action="team.hours", target=team, before=before, after=after)
    return hours


def _hours_snapshot(hours: BusinessHours) -> dict:
    return {"timezone": hours.timezone, "weekly": hours.weekly, "holidays": [d.isoformat() for d in hours.holidays]}
