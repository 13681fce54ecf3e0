"""Patrol requirements as data (patrol_requirements.json): the shifts of the day, and per zone
type (or, replacing it, per object type) the spans of the day cut into windows of so many
minutes, one visit of each point per window; the service minutes at a point; walking speed;
check-in rules. Pure: turns a date and the points into the visits the day requires."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from zg_patrol.plans.solver import Walking

DAY = 24 * 60


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= DAY:
        raise ValueError(f"not a time of day: {text}")
    return value


def _zone(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


@dataclass(frozen=True)
class Shift:
    id: str
    start: int  # minutes after midnight
    end: int  # before `start`: the shift ends the next day

    def on(self, day: date, zone: timezone) -> tuple[datetime, datetime]:
        """The shift that starts on `day`."""
        begin = datetime.combine(day, time(), zone) + timedelta(minutes=self.start)
        length = (self.end - self.start) % DAY or DAY
        return begin, begin + timedelta(minutes=length)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    every: int  # minutes per window


@dataclass(frozen=True)
class PointRef:
    id: str
    grid_id: str
    zone_type: str
    object_type: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Visit:
    """One required visit of a point (or a case task's place): inside its window, during one
    shift."""

    id: str
    point_id: str | None
    grid_id: str
    shift: str
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    service_s: int
    kind: str = "patrol"  # patrol, makeup, verify, check
    case_id: str | None = None
    origin: str | None = None  # a make-up's missed visit


@dataclass(frozen=True)
class Checkin:
    radius_m: float
    max_accuracy_m: float
    token_valid_days: int


class Requirements:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.zone = _zone(data["timezone"])
        self.shifts = [
            Shift(s["id"], _minutes(s["start"]), _minutes(s["end"])) for s in data["shifts"]
        ]
        self.by_zone = {z: self._spans(spans) for z, spans in data["zone_types"].items()}
        self.by_object = {o: self._spans(spans) for o, spans in data["object_types"].items()}
        self.service_minutes: dict[str, float] = dict(data["service_minutes"])
        self.walking = Walking(**data["walking"])
        self.checkin = Checkin(**data["checkin"])
        covered = sum((s.end - s.start) % DAY or DAY for s in self.shifts)
        if covered != DAY:
            raise ValueError("the shifts must cover the day exactly once")

    @staticmethod
    def _spans(spans: Sequence[Mapping[str, Any]]) -> list[Span]:
        out = [Span(_minutes(s["from"]), _minutes(s["to"]), int(s["every_min"])) for s in spans]
        if any(s.every <= 0 for s in out):
            raise ValueError("every_min must be positive")
        return out

    def shift(self, shift_id: str) -> Shift:
        return next(s for s in self.shifts if s.id == shift_id)

    def spans_for(self, point: PointRef) -> list[Span]:
        return self.by_object.get(point.object_type) or self.by_zone.get(point.zone_type, [])

    def service_s(self, object_type: str) -> int:
        minutes = self.service_minutes.get(object_type, self.service_minutes["default"])
        return int(minutes * 60)

    def windows(self, day: date, span: Span) -> list[tuple[datetime, datetime]]:
        """The span on `day` (ending the next day if it crosses midnight), cut into windows."""
        begin = datetime.combine(day, time(), self.zone) + timedelta(minutes=span.start)
        end = begin + timedelta(minutes=(span.end - span.start) % DAY or DAY)
        out = []
        while begin < end:
            out.append((begin, min(begin + timedelta(minutes=span.every), end)))
            begin += timedelta(minutes=span.every)
        return out

    def local_day(self, moment: datetime) -> date:
        """The district's calendar day at `moment`."""
        return moment.astimezone(self.zone).date()

    def shift_at(self, moment: datetime) -> tuple[date, Shift, datetime, datetime]:
        """The shift running at `moment`: the day it started on, the shift, its begin and end."""
        local = self.local_day(moment)
        for day in (local, local - timedelta(days=1)):
            for shift in self.shifts:
                begin, end = shift.on(day, self.zone)
                if begin <= moment < end:
                    return day, shift, begin, end
        raise AssertionError("the shifts cover the day")  # checked in __init__

    def shift_of(
        self, day: date, start: datetime, end: datetime
    ) -> tuple[Shift, datetime, datetime]:
        """The shift of `day` the window overlaps most (the earlier on a tie), and the window
        clipped to it."""
        best: tuple[timedelta, Shift, datetime, datetime] | None = None
        for shift in self.shifts:
            s_begin, s_end = shift.on(day, self.zone)
            a, b = max(start, s_begin), min(end, s_end)
            if b > a and (best is None or b - a > best[0]):
                best = (b - a, shift, a, b)
        if best is None:
            raise ValueError(f"window {start}–{end} is outside the shifts of {day}")
        return best[1], best[2], best[3]

    def visits(self, day: date, points: Iterable[PointRef]) -> list[Visit]:
        """Every visit `day` requires (shifts that start on `day`), in window order."""
        out: list[Visit] = []
        for point in points:
            for span in self.spans_for(point):
                for start, end in self.windows(day, span):
                    shift, a, b = self.shift_of(day, start, end)
                    vid = f"{day.isoformat()}:{point.id}:{a.strftime('%H%M')}"
                    out.append(self.visit(vid, point, shift, a, b))
        out.sort(key=lambda v: (v.window_start, v.point_id))
        return out

    def visit(
        self,
        visit_id: str,
        point: PointRef,
        shift: Shift,
        start: datetime,
        end: datetime,
        *,
        kind: str = "patrol",
        origin: str | None = None,
    ) -> Visit:
        """A visit of `point` in the window, in `shift`, with the point's service time."""
        return Visit(
            id=visit_id,
            point_id=point.id,
            grid_id=point.grid_id,
            shift=shift.id,
            lat=point.lat,
            lon=point.lon,
            window_start=start,
            window_end=end,
            service_s=self.service_s(point.object_type),
            kind=kind,
            origin=origin,
        )
