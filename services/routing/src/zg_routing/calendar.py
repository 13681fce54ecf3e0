"""Working calendars and the SLA clock: time limits count only the working time of the
department's calendar (24×7 for police and patrol, office hours with public holidays and their
make-up working days for the others), as data in calendars.json and time_limits.json.

Pure functions over timezone-aware datetimes; nothing here reads a clock or a database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Literal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 3 * 366  # a deadline further than this means a calendar without working time
Light = Literal["green", "yellow", "red"]
Urgency = Literal["normal", "urgent"]


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 24 * 60:
        raise ValueError(f"not a time of day: {text}")
    return value


def _offset(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


@dataclass(frozen=True)
class PublicHolidays:
    """Days off and make-up working days (调休) of the national holiday schedule."""

    off: frozenset[date]
    work: frozenset[date]

    @classmethod
    def from_data(cls, years: Sequence[Mapping[str, Any]]) -> PublicHolidays:
        off: set[date] = set()
        work: set[date] = set()
        for year in years:
            for span in year["off"]:
                day, last = date.fromisoformat(span["from"]), date.fromisoformat(span["to"])
                while day <= last:
                    off.add(day)
                    day += timedelta(days=1)
            work.update(date.fromisoformat(d) for d in year["work"])
        return cls(frozenset(off), frozenset(work))


NO_HOLIDAYS = PublicHolidays(frozenset(), frozenset())


@dataclass(frozen=True)
class WorkingCalendar:
    id: str
    zone: timezone
    week: tuple[tuple[tuple[int, int], ...], ...]  # per weekday (mon=0): (start, end) minutes
    holidays: PublicHolidays = NO_HOLIDAYS  # empty for calendars that work through them

    @classmethod
    def from_data(
        cls, data: Mapping[str, Any], *, zone: str, holidays: PublicHolidays
    ) -> WorkingCalendar:
        week = tuple(
            tuple(sorted((_minutes(a), _minutes(b)) for a, b in data["week"].get(day, [])))
            for day in WEEKDAYS
        )
        for day in week:
            if any(start >= end for start, end in day):
                raise ValueError(f"calendar {data['id']}: an interval ends before it starts")
        return cls(
            id=data["id"],
            zone=_offset(zone),
            week=week,
            holidays=holidays if data.get("holidays") else NO_HOLIDAYS,
        )

    @property
    def day_length(self) -> timedelta:
        """The working time of a standard working day (Monday's): what a working day counts."""
        return timedelta(minutes=sum(end - start for start, end in self.week[0]))

    def hours_of(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.holidays.off:
            return ()
        if day in self.holidays.work:  # a weekend day worked instead of a holiday
            return self.week[0]
        return self.week[day.weekday()]

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals from `start` on, in order, clipped to begin at `start`."""
        _aware(start)
        local = start.astimezone(self.zone)
        day = local.date()
        for _ in range(MAX_DAYS):
            midnight = datetime.combine(day, time(), self.zone)
            for a, b in self.hours_of(day):
                begin, end = midnight + timedelta(minutes=a), midnight + timedelta(minutes=b)
                if end > local:
                    yield max(begin, local), end
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.id} has no working time within {MAX_DAYS} days")

    def add(self, start: datetime, working: timedelta) -> datetime:
        """The moment `working` time of this calendar has passed after `start` (a deadline)."""
        if working < timedelta(0):
            raise ValueError("working time cannot be negative")
        left = working
        for begin, end in self.intervals(start):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise AssertionError("unreachable: intervals() raises first")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time of this calendar from `start` to `end` (zero if end <= start)."""
        _aware(end)
        total = timedelta(0)
        if end <= start:
            return total
        for begin, stop in self.intervals(start):
            if begin >= end:
                break
            total += min(stop, end) - begin
        return total


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("the clock counts timezone-aware datetimes only")


def light(used: timedelta, limit: timedelta) -> Light:
    """Green below 80 % of the limit, yellow from 80 %, red from 100 % (overdue)."""
    if limit <= timedelta(0):
        return "red"
    share = used / limit
    return "green" if share < 0.8 else "yellow" if share < 1.0 else "red"


@dataclass(frozen=True)
class Limit:
    value: int
    unit: Literal["working_hours", "working_days", "minutes"]

    def working_time(self, calendar: WorkingCalendar) -> timedelta:
        if self.unit == "working_days":
            return self.value * calendar.day_length
        if self.unit == "working_hours":
            return timedelta(hours=self.value)
        return timedelta(minutes=self.value)


class TimeLimits:
    """Disposal limits by minor category × urgency; stage limits by stage × urgency."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.disposal = {
            (row["category"], urgency): Limit(row[urgency]["value"], row[urgency]["unit"])
            for row in data["disposal"]
            for urgency in ("normal", "urgent")
        }
        self.stages = {
            (stage, urgency): Limit(minutes, "minutes")
            for urgency, stages in data["stage_minutes"].items()
            for stage, minutes in stages.items()
        }

    def disposal_limit(self, category: str, urgency: Urgency) -> Limit:
        return self.disposal[(category, urgency)]

    def stage_limit(self, stage: str, urgency: Urgency) -> Limit:
        return self.stages[(stage, urgency)]


def load_calendars(data: Mapping[str, Any]) -> dict[str, WorkingCalendar]:
    """Calendars from their data (calendars.json's shape; a calendar may name its own `zone`,
    else the file's `timezone` applies)."""
    holidays = PublicHolidays.from_data(data["public_holidays"])
    return {
        c["id"]: WorkingCalendar.from_data(
            c, zone=c.get("zone") or data["timezone"], holidays=holidays
        )
        for c in data["calendars"]
    }


class Clock:
    """The calendars and the limits. The calendars live in the database and change while the
    service runs (next year's holidays, a department's new hours): `reload` swaps them for
    every holder of this clock at once; `stamp` says which version of the rows it holds."""

    def __init__(
        self,
        *,
        calendars: Mapping[str, WorkingCalendar],
        limits: TimeLimits,
        stamp: object = None,
    ) -> None:
        self.calendars = calendars
        self.limits = limits
        self.stamp = stamp

    def reload(self, calendars: Mapping[str, WorkingCalendar], stamp: object) -> None:
        self.calendars, self.stamp = calendars, stamp

    def disposal_deadline(
        self, *, category: str, urgency: Urgency, calendar_id: str, start: datetime
    ) -> tuple[Limit, datetime]:
        calendar = self.calendars[calendar_id]
        limit = self.limits.disposal_limit(category, urgency)
        return limit, calendar.add(start, limit.working_time(calendar))
