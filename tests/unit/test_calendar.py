"""The SLA clock: working time of a department's calendar across weekends, public holidays and
their make-up working days, against a 24×7 calendar; the traffic light; the limits as data."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.conftest import REPO
from zg_routing.calendar import (
    Limit,
    TimeLimits,
    WorkingCalendar,
    light,
    load_calendars,
)

DATA = REPO / "deploy" / "data" / "fangxing"
CST = timezone(timedelta(hours=8))
CALENDARS = load_calendars(json.loads((DATA / "calendars.json").read_text("utf-8")))
OFFICE, ALWAYS, EXTENDED = CALENDARS["office"], CALENDARS["24x7"], CALENDARS["extended"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.mark.parametrize(
    ("calendar", "start", "working", "deadline"),
    [
        # Friday afternoon + 4 working hours: 1.5 h on Friday, the rest on Monday morning
        (OFFICE, "2026-11-27 16:00", 4, "2026-11-30 11:00"),
        (ALWAYS, "2026-11-27 16:00", 4, "2026-11-27 20:00"),
        (EXTENDED, "2026-11-27 20:00", 4, "2026-11-28 08:00"),
        # reported on Saturday: the office clock starts on Monday at 08:30
        (OFFICE, "2026-11-28 10:00", 2, "2026-11-30 10:30"),
        # the lunch break does not count
        (OFFICE, "2026-11-30 11:00", 2, "2026-11-30 15:00"),
        # National Day: 1-7 October off; the clock waits, then runs on 8 October
        (OFFICE, "2026-09-30 16:00", 4, "2026-10-08 11:00"),
        (ALWAYS, "2026-09-30 16:00", 4, "2026-09-30 20:00"),
        # Saturday 10 October is a make-up working day (调休): it counts
        (OFFICE, "2026-10-09 17:00", 2, "2026-10-10 10:00"),
        # Spring Festival: Saturday 14 February is worked, 15-23 February are not
        (OFFICE, "2026-02-13 17:00", 7, "2026-02-14 17:00"),
        (OFFICE, "2026-02-14 17:00", 1, "2026-02-24 09:00"),
    ],
)
def test_deadlines_count_the_calendars_working_time(
    calendar: WorkingCalendar, start: str, working: float, deadline: str
) -> None:
    assert calendar.add(at(start), hours(working)) == at(deadline)


def test_elapsed_working_time_inverts_the_deadline() -> None:
    rng = random.Random(5)
    for _ in range(300):
        calendar = rng.choice([OFFICE, ALWAYS, EXTENDED])
        start = at("2026-01-01 00:00") + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        working = timedelta(minutes=rng.randrange(1, 60 * 60))
        deadline = calendar.add(start, working)
        assert calendar.between(start, deadline) == working, (calendar.id, start, working)


def test_the_clock_is_the_same_in_any_timezone_it_is_read() -> None:
    start = at("2026-11-27 16:00")
    assert OFFICE.add(start.astimezone(UTC), hours(4)) == at("2026-11-30 11:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.add(datetime(2026, 11, 27, 16, 0), hours(1))


def test_a_working_day_is_the_calendars_standard_day() -> None:
    assert OFFICE.day_length == hours(7)
    assert ALWAYS.day_length == hours(24)
    assert Limit(2, "working_days").working_time(OFFICE) == hours(14)
    assert Limit(2, "working_days").working_time(ALWAYS) == hours(48)


@pytest.mark.parametrize(
    ("used", "colour"),
    [(0, "green"), (79, "green"), (80, "yellow"), (99, "yellow"), (100, "red"), (250, "red")],
)
def test_traffic_lights(used: int, colour: str) -> None:
    assert light(timedelta(minutes=used), timedelta(minutes=100)) == colour


def test_limits_come_from_the_data() -> None:
    limits = TimeLimits(json.loads((DATA / "time_limits.json").read_text("utf-8")))
    assert limits.disposal_limit("E0104", "normal") == Limit(4, "working_hours")
    assert limits.disposal_limit("E0104", "urgent") == Limit(2, "working_hours")
    assert limits.disposal_limit("C0402", "normal") == Limit(5, "working_days")
    assert limits.stage_limit("verify", "normal") == Limit(30, "minutes")
    categories = json.loads((DATA / "categories.json").read_text("utf-8"))
    minors = {c["code"] for m in categories for c in m["children"]}
    assert {code for code, _ in limits.disposal} == minors, "every category has its limits"


def test_a_calendar_without_working_time_is_refused() -> None:
    never = WorkingCalendar.from_data(
        {"id": "never", "week": {}, "holidays": False},
        zone="+08:00",
        holidays=OFFICE.holidays,
    )
    with pytest.raises(ValueError, match="no working time"):
        never.add(at("2026-11-27 09:00"), hours(1))
