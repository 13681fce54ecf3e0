"""Departments and working calendars, as managers keep them: contacts, covered grids, the
calendar each department's time limits count in, each calendar's hours and the State
Council's holiday schedule year by year. Every change is logged (`audit`) and published
(`routing.department.changed.v1`, `routing.calendar.*`), with each deadline it moves
(`routing.case.deadline_moved.v1`), for the projections of the other services.

The calendars live in the database; every routing process holds them in its `Clock`, rebuilt
at once by the process that made a change and within `calendar_refresh_interval_s` by the
others. A changed calendar recounts the deadlines of the clocks running in it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.routing import (
    CalendarChanged,
    CaseDeadlineMoved,
    DepartmentChanged,
    HolidaysChanged,
)
from zg_common.db import unit_of_work
from zg_common.errors import DepartmentNotFound, FieldError, ValidationFailed
from zg_common.events import EventContract
from zg_common.identity import Identity
from zg_routing import audit, workflow
from zg_routing.calendar import NO_HOLIDAYS, Clock, WorkingCalendar, load_calendars
from zg_routing.exceptions import CalendarNotFound
from zg_routing.models import (
    Department,
    Grid,
    HolidayYear,
    TrackedCase,
    WorkingCalendarRow,
    outbox,
)
from zg_routing.runtime import RoutingRuntime

log = logging.getLogger(__name__)


def _bad(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field=field, code=code, message=message)])


# --- what other services learn of the directory ------------------------------------------


def department_changed(d: Department, change: str, at: datetime) -> DepartmentChanged:
    return DepartmentChanged(
        department_id=d.id,
        name=d.name,
        name_en=d.name_en,
        mode=d.mode,
        calendar_id=d.calendar,
        grid_ids=sorted(d.grids),
        change=change,
        at=at,
    )


def calendar_changed(row: WorkingCalendarRow, change: str, at: datetime) -> CalendarChanged:
    return CalendarChanged(
        calendar_id=row.id,
        name=row.name,
        zone=row.zone,
        week=row.week,
        holidays=row.holidays,
        change=change,
        at=at,
    )


def holidays_changed(row: HolidayYear, change: str, at: datetime) -> HolidaysChanged:
    return HolidaysChanged(
        year=row.year, source=row.source, off=row.off, work=row.work, change=change, at=at
    )


async def announce_all(session: AsyncSession, *, at: datetime) -> None:
    """Every department, calendar and holiday year as loaded (`loaded`), for the projections of
    the other services (scoring, the map)."""
    await session.flush()
    departments = await session.scalars(select(Department).order_by(Department.id))
    events: list[tuple[EventContract, str]] = [
        (department_changed(d, "loaded", at), d.id) for d in departments
    ]
    events += [(calendar_changed(c, "loaded", at), c.id) for c in await list_calendars(session)]
    events += [
        (holidays_changed(y, "loaded", at), f"holidays/{y.year}")
        for y in await list_holiday_years(session)
    ]
    await outbox.add_all(session, events)


# --- departments -------------------------------------------------------------------------


def _department_snapshot(d: Department) -> dict[str, Any]:
    return {
        "name": d.name,
        "name_en": d.name_en,
        "calendar": d.calendar,
        "grids": list(d.grids),
        "contacts": list(d.contacts),
    }


async def get_department(session: AsyncSession, department_id: str) -> Department:
    department = await session.get(Department, department_id)
    if department is None:
        raise DepartmentNotFound(f"No department {department_id}")
    return department


async def update_department(
    session: AsyncSession,
    department_id: str,
    changes: Mapping[str, Any],
    *,
    reason: str,
    caller: Identity,
    clock: Clock,
) -> Department:
    """Change a department. A new calendar applies from its next dispatch: running clocks keep
    the calendar their deadline was set in."""
    department = await session.get(Department, department_id, with_for_update=True)
    if department is None:
        raise DepartmentNotFound(f"No department {department_id}")
    if "calendar" in changes and changes["calendar"] not in clock.calendars:
        raise _bad("calendar", "unknown_calendar", f"no calendar {changes['calendar']}")
    if "grids" in changes:
        known = set(await session.scalars(select(Grid.id)))
        unknown = sorted(set(changes["grids"]) - known)
        if unknown:
            raise _bad("grids", "unknown_grid", f"no grid {', '.join(unknown)}")
    before = _department_snapshot(department)
    for name, value in changes.items():
        setattr(department, name, sorted(set(value)) if name == "grids" else value)
    after = _department_snapshot(department)
    if after != before:
        department.updated_at = datetime.now(UTC)
        changed = {k: v for k, v in after.items() if before[k] != v}
        was = {k: before[k] for k in changed}
        subject = f"department/{department.id}"
        audit.record(session, subject, "updated", was, changed, reason=reason, caller=caller)
        event = department_changed(department, "updated", department.updated_at)
        await outbox.add(session, event, subject=department.id)
    return department


# --- calendars ---------------------------------------------------------------------------


async def list_calendars(session: AsyncSession) -> list[WorkingCalendarRow]:
    return list(await session.scalars(select(WorkingCalendarRow).order_by(WorkingCalendarRow.id)))


async def get_calendar(session: AsyncSession, calendar_id: str) -> WorkingCalendarRow:
    row = await session.get(WorkingCalendarRow, calendar_id)
    if row is None:
        raise CalendarNotFound(f"No working calendar {calendar_id}")
    return row


async def list_holiday_years(session: AsyncSession) -> list[HolidayYear]:
    return list(await session.scalars(select(HolidayYear).order_by(HolidayYear.year)))


def _calendar_data(rows: Iterable[WorkingCalendarRow], years: Iterable[HolidayYear]) -> Any:
    """The rows in calendars.json's shape, which `load_calendars` reads."""
    return {
        "timezone": None,
        "calendars": [
            {"id": r.id, "name": r.name, "zone": r.zone, "week": r.week, "holidays": r.holidays}
            for r in rows
        ],
        "public_holidays": [
            {"year": str(y.year), "source": y.source, "off": y.off, "work": y.work} for y in years
        ],
    }


VERSION = text("SELECT version FROM routing.calendar_version WHERE id = 1")
NEXT_VERSION = text(
    "UPDATE routing.calendar_version SET version = version + 1 WHERE id = 1 RETURNING version"
)


async def _stamp(session: AsyncSession) -> object:
    """Which version of the calendar rows the database holds now."""
    return await session.scalar(VERSION)


async def next_version(session: AsyncSession) -> None:
    """Count a change of the calendar rows, in its transaction: the row lock orders concurrent
    changes as they commit, so a process that has seen version n has seen every change up to
    it."""
    await session.execute(NEXT_VERSION)


async def read_calendars(session: AsyncSession) -> tuple[dict[str, WorkingCalendar], object]:
    stamp = await _stamp(session)
    data = _calendar_data(await list_calendars(session), await list_holiday_years(session))
    return load_calendars(data), stamp


async def refresh(session: AsyncSession, clock: Clock) -> bool:
    """Reload the clock's calendars if the rows changed since it was built; True if it did."""
    if await _stamp(session) == clock.stamp:
        return False
    clock.reload(*await read_calendars(session))
    return True


async def watch(runtime: RoutingRuntime) -> None:
    """Background task: pick up calendar changes made through another routing process."""
    interval = runtime.settings.calendar_refresh_interval_s
    clock = runtime.state.clock
    while True:
        await asyncio.sleep(interval)
        async with unit_of_work(runtime.sessions) as session:
            if await refresh(session, clock):
                log.info("working calendars reloaded")


async def _apply(
    session: AsyncSession,
    clock: Clock,
    calendar_ids: Iterable[str],
    *,
    reason: str,
    now: datetime,
) -> int:
    """Rebuild the clock from the session's rows (this change included) and recount the running
    clocks of the changed calendars, each moved deadline announced; returns how many moved."""
    await session.flush()
    await next_version(session)
    calendars, stamp = await read_calendars(session)
    clock.reload(calendars, stamp)
    cases = await session.scalars(
        select(TrackedCase)
        .where(
            TrackedCase.calendar_id.in_(list(calendar_ids)),
            TrackedCase.clock_started_at.is_not(None),
        )
        .with_for_update()
    )
    moved: list[tuple[EventContract, str]] = []
    for tracked in cases:
        previous = tracked.due_at
        if workflow.recount_deadline(tracked, clock, now=now) and tracked.due_at is not None:
            deadline = CaseDeadlineMoved(
                case_id=str(tracked.case_id),
                number=tracked.number,
                department_id=tracked.department_id,
                calendar_id=tracked.calendar_id or "",
                due_at=tracked.due_at,
                previous_due_at=previous,
                reason=reason,
                at=now,
                grid_id=tracked.grid_id,
            )
            moved.append((deadline, str(tracked.case_id)))
    await outbox.add_all(session, moved)
    return len(moved)


async def put_calendar(
    session: AsyncSession,
    calendar_id: str,
    *,
    name: str,
    week: Mapping[Any, list[tuple[str, str]]],
    holidays: bool,
    reason: str,
    caller: Identity,
    clock: Clock,
) -> tuple[WorkingCalendarRow, int]:
    """Change a calendar's hours (or add a calendar); returns it and the deadlines recounted."""
    if calendar_id == "holidays":
        raise _bad("calendar_id", "reserved", "holidays is the holiday schedule's path")
    now = datetime.now(UTC)
    row = await session.get(WorkingCalendarRow, calendar_id, with_for_update=True)
    definition = {"week": {d: [list(span) for span in spans] for d, spans in week.items()}}
    zone = row.zone if row else _zone_of(clock)
    try:
        candidate = WorkingCalendar.from_data(
            {"id": calendar_id, **definition, "holidays": holidays},
            zone=zone,
            holidays=NO_HOLIDAYS,
        )
    except ValueError as exc:
        raise _bad("week", "invalid_hours", str(exc)) from exc
    if not any(candidate.week):
        raise _bad("week", "no_working_time", "a calendar needs working hours on some day")
    before = _calendar_snapshot(row) if row else None
    if row is None:
        row = WorkingCalendarRow(id=calendar_id, zone=zone)
        session.add(row)
    row.name, row.week, row.holidays, row.updated_at = name, definition["week"], holidays, now
    after = _calendar_snapshot(row)
    if after == before:
        return row, 0
    change = "created" if before is None else "updated"
    audit.record(
        session, f"calendar/{calendar_id}", change, before, after, reason=reason, caller=caller
    )
    await outbox.add(session, calendar_changed(row, change, now), subject=calendar_id)
    why = f"calendar {calendar_id} changed"
    return row, await _apply(session, clock, [calendar_id], reason=why, now=now)


def _zone_of(clock: Clock) -> str:
    """The zone new calendars count in: the district's (the existing calendars')."""
    existing = next(iter(clock.calendars.values()), None)
    if existing is None:
        return "+08:00"
    offset = existing.zone.utcoffset(None)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _calendar_snapshot(row: WorkingCalendarRow) -> dict[str, Any]:
    return {"name": row.name, "week": row.week, "holidays": row.holidays}


async def put_holiday_year(
    session: AsyncSession,
    year: int,
    *,
    source: str,
    off: list[tuple[date, date]],
    work: list[date],
    reason: str,
    caller: Identity,
    clock: Clock,
) -> tuple[HolidayYear, int]:
    """Set a year's holiday schedule; the running clocks of every calendar that keeps public
    holidays are recounted. Returns it and the deadlines recounted."""
    for i, (first, last) in enumerate(off):
        if first > last:
            raise _bad(f"off[{i}]", "range_inverted", "a span ends before it starts")
        if first.year != year and last.year != year:
            raise _bad(f"off[{i}]", "other_year", f"a span of {year} touches {year}")
    days_off = {d for first, last in off for d in _days(first, last)}
    for i, day in enumerate(work):
        if day.year != year:
            raise _bad(f"work[{i}]", "other_year", f"a make-up day of {year} is in {year}")
        if day in days_off:
            raise _bad(f"work[{i}]", "both", f"{day} is both off and worked")
    now = datetime.now(UTC)
    row = await session.get(HolidayYear, year, with_for_update=True)
    before = _year_snapshot(row) if row else None
    if row is None:
        row = HolidayYear(year=year)
        session.add(row)
    row.source = source
    row.off = [{"from": a.isoformat(), "to": b.isoformat()} for a, b in sorted(off)]
    row.work = sorted(d.isoformat() for d in set(work))
    row.updated_at = now
    after = _year_snapshot(row)
    if after == before:
        return row, 0
    change = "created" if before is None else "updated"
    audit.record(session, f"holidays/{year}", change, before, after, reason=reason, caller=caller)
    await outbox.add(session, holidays_changed(row, change, now), subject=f"holidays/{year}")
    stopping = [c.id for c in await list_calendars(session) if c.holidays]
    why = f"holidays of {year} changed"
    return row, await _apply(session, clock, stopping, reason=why, now=now)


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day = date.fromordinal(day.toordinal() + 1)


def _year_snapshot(row: HolidayYear) -> dict[str, Any]:
    return {"source": row.source, "off": row.off, "work": row.work}
