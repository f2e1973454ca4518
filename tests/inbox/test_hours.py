"""Business hours in each team's zone: DST changes, holidays, next opening, business-time deadlines."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from inbox.hours import (
    business_deadline,
    business_hours_set,
    next_opening,
    open_seconds,
    opening_text,
    team_is_open,
)
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db
WEEKDAYS_9_TO_17 = {str(d): [["09:00", "17:00"]] for d in range(5)}
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def team(zone, weekly=WEEKDAYS_9_TO_17, holidays=()):
    t = TeamFactory()
    business_hours_set(team=t, timezone=zone, weekly=weekly, holidays=list(holidays))
    return t


def test_a_team_without_hours_is_always_open():
    t = TeamFactory()
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert team_is_open(t, now) and next_opening(t, now) == now and team_is_open(None, now)


def test_the_same_instant_is_open_in_one_zone_and_closed_in_another():
    berlin, new_york = team("Europe/Berlin"), team("America/New_York")
    at = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday: 16:00 Berlin, 10:00 New York
    assert team_is_open(berlin, at) and team_is_open(new_york, at)
    at = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 18:30 Berlin, 12:30 New York
    assert not team_is_open(berlin, at) and team_is_open(new_york, at)
    assert next_opening(berlin, at) == datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)


def test_wall_clock_hours_survive_the_dst_change():
    ny = team("America/New_York")
    # US DST starts Sunday 8 March 2026: 09:00 local is 14:00 UTC before, 13:00 UTC after.
    assert team_is_open(ny, datetime(2026, 3, 6, 14, 0, tzinfo=UTC))  # Fri, EST
    assert not team_is_open(ny, datetime(2026, 3, 6, 13, 59, tzinfo=UTC))
    assert team_is_open(ny, datetime(2026, 3, 9, 13, 0, tzinfo=UTC))  # Mon, EDT
    opening = next_opening(ny, datetime(2026, 3, 7, 12, 0, tzinfo=UTC))  # Saturday
    assert opening == datetime(2026, 3, 9, 9, 0, tzinfo=NY) and opening.utcoffset().total_seconds() == -4 * 3600


def test_a_shift_starting_inside_the_spring_forward_gap_opens_after_the_gap():
    # Europe/Berlin jumps 02:00 -> 03:00 on Sunday 29 March 2026; 02:30 does not exist.
    night = team("Europe/Berlin", weekly={"6": [["02:30", "06:00"]]})
    opening = next_opening(night, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert opening.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST: moved by the gap
    assert team_is_open(night, datetime(2026, 3, 29, 2, 0, tzinfo=UTC))


def test_holidays_are_closed_and_skipped_by_next_opening():
    t = team("Europe/Berlin", holidays=[date(2026, 12, 24), date(2026, 12, 25)])
    christmas_eve_noon = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)  # Thursday
    assert not team_is_open(t, christmas_eve_noon)
    assert next_opening(t, christmas_eve_noon) == datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN)  # Monday
    assert opening_text(t, christmas_eve_noon) == "Monday 28 Dec at 09:00 (Europe/Berlin)"


def test_overnight_and_24h_days():
    t = team("UTC", weekly={"4": [["22:00", "24:00"]], "5": [["00:00", "24:00"]]})
    assert team_is_open(t, datetime(2026, 11, 27, 23, 30, tzinfo=UTC))  # Friday late
    assert team_is_open(t, datetime(2026, 11, 28, 0, 0, tzinfo=UTC))  # Saturday midnight
    assert not team_is_open(t, datetime(2026, 11, 29, 0, 0, tzinfo=UTC))  # Sunday


def test_business_deadline_counts_only_open_time():
    t = team("Europe/Berlin")
    friday_4pm = datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN)
    # 60 open minutes: 16:00-17:00 Friday is 60 -> due exactly at close.
    assert business_deadline(t, friday_4pm, 60) == datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN)
    # 90 minutes: 60 on Friday, the other 30 on Monday morning.
    assert business_deadline(t, friday_4pm, 90) == datetime(2026, 11, 30, 9, 30, tzinfo=BERLIN)


def test_open_seconds_count_only_the_time_the_team_was_open():
    hours = team("Europe/Berlin", holidays=[datetime(2026, 11, 30).date()]).hours
    friday_4pm = datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN)
    # Friday 16:00 -> Tuesday 09:30 across a weekend and a Monday holiday: 60 + 30 open minutes.
    assert open_seconds(hours, friday_4pm, datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)) == 90 * 60
    # Entirely while closed, and backwards, count nothing.
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=BERLIN)
    assert open_seconds(hours, saturday, saturday.replace(hour=18)) == 0
    assert open_seconds(hours, saturday, friday_4pm) == 0
    # No hours: around the clock.
    assert open_seconds(None, friday_4pm, saturday) == 18 * 3600


@pytest.mark.parametrize(
    ("zone", "weekly", "message"),
    [
        ("Mars/Olympus", {}, "not a time zone"),
        ("UTC", {"0": [["17:00", "09:00"]]}, "ends before it starts"),
        ("UTC", {"0": [["09:00", "12:00"], ["11:00", "13:00"]]}, "overlap"),
        ("UTC", {"0": [["9am", "5pm"]]}, "not HH:MM-HH:MM"),
        ("UTC", {"9": [["09:00", "10:00"]]}, "Unknown day"),
    ],
)
def test_invalid_hours_are_refused_with_a_reason(zone, weekly, message):
    with pytest.raises(ValidationError, match=message):
        business_hours_set(team=TeamFactory(), timezone=zone, weekly=weekly, holidays=[])
