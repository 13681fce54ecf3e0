"""Managers edit the territory: patrol points (a point must lie in its grid), officers (badge,
grid, shift, certificate), officers' absences (leave planned ahead), routes (their points in
order). Points and officers are retired, never deleted: plans, check-ins and scores refer to
them. Every change is logged with who, why, before and after, and announced
(`patrol.territory.changed.v1`); an edited row is left alone by later data sets."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import pairwise
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import changelog
from zg_common.contracts.patrol import TerritoryChanged
from zg_common.errors import Conflict, FieldError, ValidationFailed
from zg_common.geo import haversine_m
from zg_common.identity import Identity
from zg_patrol.exceptions import AbsenceNotFound, OfficerNotFound, PointNotFound, RouteNotFound
from zg_patrol.models import (
    Grid,
    Officer,
    OfficerAbsence,
    PatrolPoint,
    Route,
    TerritoryChange,
    outbox,
)
from zg_patrol.requirements import Requirements

POINT_FIELDS = (
    "grid_id",
    "object_type",
    "name",
    "address",
    "work_focus",
    "standard",
    "lat",
    "lon",
)
OFFICER_FIELDS = ("name", "grid_id", "shift", "certificate")


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field=field, code=code, message=message)])


def _snapshot(row: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


async def _log(
    session: AsyncSession,
    subject: str,
    change: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    reason: str,
    caller: Identity,
    now: datetime,
) -> None:
    changelog.record(
        session, TerritoryChange, subject, change, before, after, reason=reason, caller=caller
    )
    await outbox.add(
        session, TerritoryChanged(subject=subject, change=change, at=now), subject=subject
    )


async def _grid(session: AsyncSession, grid_id: str) -> Grid:
    grid = await session.get(Grid, grid_id)
    if grid is None:
        raise _invalid("grid_id", "unknown_grid", f"there is no grid {grid_id}")
    return grid


def _check_place(grid: Grid, lat: float, lon: float) -> None:
    if not shape(grid.geometry).covers(Point(lon, lat)):
        raise _invalid("lat", "outside_grid", f"the place is outside grid {grid.id}")


# --- points ---------------------------------------------------------------------------------


async def create_point(
    session: AsyncSession,
    values: dict[str, Any],
    *,
    object_types: dict[str, dict[str, Any]],
    reason: str,
    caller: Identity,
    now: datetime,
) -> PatrolPoint:
    """A new point with the next free id and a code of its grid (FX-G01-0054); the object
    type's work focus and standard unless given."""
    kind = object_types.get(values["object_type"])
    if kind is None:
        known = ", ".join(sorted(object_types))
        raise _invalid("object_type", "unknown_object_type", f"one of: {known}")
    grid = await _grid(session, values["grid_id"])
    _check_place(grid, values["lat"], values["lon"])
    # one numbering at a time (ids and codes are sequential)
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('patrol.point_id'))"))
    last_id = await session.scalar(select(func.max(PatrolPoint.id)))
    number = int(last_id[1:]) + 1 if last_id else 1
    codes = list(
        await session.scalars(select(PatrolPoint.code).where(PatrolPoint.grid_id == grid.id))
    )
    prefix = codes[0].split("-")[0] if codes else "FX"
    in_grid = max((int(c.rsplit("-", 1)[1]) for c in codes), default=0) + 1
    point = PatrolPoint(
        id=f"P{number:04d}",
        code=f"{prefix}-{grid.id}-{in_grid:04d}",
        grid_id=grid.id,
        object_type=values["object_type"],
        name=values["name"],
        address=values["address"],
        work_focus=values.get("work_focus") or kind["work_focus"],
        standard=values.get("standard") or kind["standard"],
        lat=values["lat"],
        lon=values["lon"],
        edited_at=now,
    )
    session.add(point)
    await session.flush()
    after = _snapshot(point, POINT_FIELDS)
    await _log(
        session, f"point/{point.id}", "created", None, after, reason=reason, caller=caller, now=now
    )
    return point


async def update_point(
    session: AsyncSession,
    point_id: str,
    changes: dict[str, Any],
    *,
    object_types: dict[str, dict[str, Any]],
    reason: str,
    caller: Identity,
    now: datetime,
) -> PatrolPoint:
    point = await session.get(PatrolPoint, point_id, with_for_update=True)
    if point is None or point.retired_at is not None:
        raise PointNotFound(f"No patrol point {point_id}")
    if "object_type" in changes and changes["object_type"] not in object_types:
        raise _invalid("object_type", "unknown_object_type", f"one of: {sorted(object_types)}")
    before = _snapshot(point, POINT_FIELDS)
    merged = before | changes
    if {"grid_id", "lat", "lon"} & changes.keys():
        _check_place(await _grid(session, merged["grid_id"]), merged["lat"], merged["lon"])
    for field, value in changes.items():
        setattr(point, field, value)
    point.edited_at = now
    await _log(
        session,
        f"point/{point.id}",
        "updated",
        before,
        _snapshot(point, POINT_FIELDS),
        reason=reason,
        caller=caller,
        now=now,
    )
    return point


async def retire_point(
    session: AsyncSession, point_id: str, *, reason: str, caller: Identity, now: datetime
) -> PatrolPoint:
    """The point is no longer patrolled: out of plans from the next one, its code refused, off
    the routes that had it."""
    point = await session.get(PatrolPoint, point_id, with_for_update=True)
    if point is None or point.retired_at is not None:
        raise PointNotFound(f"No patrol point {point_id}")
    point.retired_at = point.edited_at = now
    for route in await session.scalars(select(Route).where(Route.grid_id == point.grid_id)):
        if point.id in route.point_ids:
            kept = [p for p in route.point_ids if p != point.id]
            await _set_route(
                session,
                route,
                kept,
                reason=f"point {point.id} retired: {reason}",
                caller=caller,
                now=now,
            )
    await _log(
        session,
        f"point/{point.id}",
        "retired",
        _snapshot(point, POINT_FIELDS),
        None,
        reason=reason,
        caller=caller,
        now=now,
    )
    return point


# --- officers -------------------------------------------------------------------------------


async def create_officer(
    session: AsyncSession,
    values: dict[str, Any],
    *,
    requirements: Requirements,
    reason: str,
    caller: Identity,
    now: datetime,
) -> Officer:
    if await session.get(Officer, values["badge"]) is not None:
        raise Conflict(f"badge {values['badge']} is taken (retired badges are not reused)")
    await _grid(session, values["grid_id"])
    _check_shift(values["shift"], requirements)
    officer = Officer(**{f: values[f] for f in ("badge", *OFFICER_FIELDS)}, edited_at=now)
    session.add(officer)
    await session.flush()
    await _log(
        session,
        f"officer/{officer.badge}",
        "created",
        None,
        _snapshot(officer, OFFICER_FIELDS),
        reason=reason,
        caller=caller,
        now=now,
    )
    return officer


def _check_shift(shift: str, requirements: Requirements) -> None:
    shifts = [s.id for s in requirements.shifts]
    if shift not in shifts:
        raise _invalid("shift", "unknown_shift", f"one of: {', '.join(shifts)}")


async def _active_officer(session: AsyncSession, badge: str) -> Officer:
    officer = await session.get(Officer, badge, with_for_update=True)
    if officer is None or officer.retired_at is not None:
        raise OfficerNotFound(f"No officer {badge}")
    return officer


async def update_officer(
    session: AsyncSession,
    badge: str,
    changes: dict[str, Any],
    *,
    requirements: Requirements,
    reason: str,
    caller: Identity,
    now: datetime,
) -> Officer:
    """A new grid or shift applies to plans made from now on (a running shift's plan keeps
    the officer until it is planned again)."""
    officer = await _active_officer(session, badge)
    if "grid_id" in changes:
        await _grid(session, changes["grid_id"])
    if "shift" in changes:
        _check_shift(changes["shift"], requirements)
    before = _snapshot(officer, OFFICER_FIELDS)
    for field, value in changes.items():
        setattr(officer, field, value)
    officer.edited_at = now
    await _log(
        session,
        f"officer/{badge}",
        "updated",
        before,
        _snapshot(officer, OFFICER_FIELDS),
        reason=reason,
        caller=caller,
        now=now,
    )
    return officer


async def retire_officer(
    session: AsyncSession, badge: str, *, reason: str, caller: Identity, now: datetime
) -> Officer:
    officer = await _active_officer(session, badge)
    officer.retired_at = officer.edited_at = now
    await _log(
        session,
        f"officer/{badge}",
        "retired",
        _snapshot(officer, OFFICER_FIELDS),
        None,
        reason=reason,
        caller=caller,
        now=now,
    )
    return officer


async def add_absence(
    session: AsyncSession,
    badge: str,
    *,
    day: date,
    from_time: time | None,
    reason: str,
    requirements: Requirements,
    caller: Identity,
    now: datetime,
) -> OfficerAbsence:
    """Leave planned ahead: the officer is off their shift of `day` from `from_time` (local;
    the shift's start when not given). Plans made after it leave them out."""
    officer = await _active_officer(session, badge)
    begin, end = requirements.shift(officer.shift).on(day, requirements.zone)
    from_at = begin
    if from_time is not None:
        from_at = datetime.combine(begin.date(), from_time, requirements.zone)
        if from_at < begin:  # a night shift's small hours are the next day's
            from_at = datetime.combine(end.date(), from_time, requirements.zone)
        if not begin <= from_at < end:
            raise _invalid(
                "from_time",
                "outside_shift",
                f"the {officer.shift} shift of {day} is {begin:%H:%M}-{end:%H:%M}",
            )
    if end <= now:
        raise _invalid("day", "past_shift", "that shift is over")
    absence = OfficerAbsence(
        badge=badge,
        day=day,
        shift=officer.shift,
        from_at=from_at,
        reason=reason,
        recorded_by=caller.sub,
        recorded_at=now,
    )
    session.add(absence)
    await session.flush()
    after = {"day": day.isoformat(), "shift": officer.shift, "from_at": from_at.isoformat()}
    await _log(
        session,
        f"officer/{badge}",
        "absence_added",
        None,
        after | {"id": absence.id},
        reason=reason,
        caller=caller,
        now=now,
    )
    return absence


async def cancel_absence(
    session: AsyncSession, badge: str, absence_id: int, *, caller: Identity, now: datetime
) -> None:
    """An absence that has not begun is called off (one that began is history)."""
    absence = await session.get(OfficerAbsence, absence_id, with_for_update=True)
    if absence is None or absence.badge != badge:
        raise AbsenceNotFound(f"No absence {absence_id} of {badge}")
    if absence.from_at <= now:
        raise Conflict("the absence has begun; it stays on record")
    before = {
        "id": absence.id,
        "day": absence.day.isoformat(),
        "shift": absence.shift,
        "from_at": absence.from_at.isoformat(),
    }
    await session.delete(absence)
    await _log(
        session,
        f"officer/{badge}",
        "absence_cancelled",
        before,
        None,
        reason=absence.reason,
        caller=caller,
        now=now,
    )


async def absences_of(session: AsyncSession, badge: str, since: date) -> list[OfficerAbsence]:
    if await session.get(Officer, badge) is None:
        raise OfficerNotFound(f"No officer {badge}")
    return list(
        await session.scalars(
            select(OfficerAbsence)
            .where(OfficerAbsence.badge == badge, OfficerAbsence.day >= since)
            .order_by(OfficerAbsence.from_at)
        )
    )


# --- routes ---------------------------------------------------------------------------------


async def update_route(
    session: AsyncSession,
    route_id: str,
    point_ids: list[str],
    *,
    reason: str,
    caller: Identity,
    now: datetime,
) -> Route:
    """The route's points in walking order (of its grid, active, each once); its line and
    length follow."""
    route = await session.get(Route, route_id, with_for_update=True)
    if route is None:
        raise RouteNotFound(f"No route {route_id}")
    if len(set(point_ids)) != len(point_ids):
        raise _invalid("point_ids", "repeated_point", "each point once")
    if len(point_ids) < 2:
        raise _invalid("point_ids", "too_few_points", "a route has two points or more")
    found = {
        p.id: p
        for p in await session.scalars(select(PatrolPoint).where(PatrolPoint.id.in_(point_ids)))
    }
    for n, pid in enumerate(point_ids):
        point = found.get(pid)
        if point is None or point.retired_at is not None:
            raise _invalid(f"point_ids.{n}", "unknown_point", f"no active point {pid}")
        if point.grid_id != route.grid_id:
            raise _invalid(f"point_ids.{n}", "other_grid", f"{pid} is not in {route.grid_id}")
    await _set_route(session, route, point_ids, reason=reason, caller=caller, now=now)
    return route


async def _set_route(
    session: AsyncSession,
    route: Route,
    point_ids: list[str],
    *,
    reason: str,
    caller: Identity,
    now: datetime,
) -> None:
    places = {
        p.id: (p.lon, p.lat)
        for p in await session.scalars(select(PatrolPoint).where(PatrolPoint.id.in_(point_ids)))
    }
    line = [list(places[p]) for p in point_ids if p in places]
    if len(line) == 1:  # a route left with one point (its others retired): still a line
        line *= 2
    before = {"point_ids": route.point_ids, "length_m": route.length_m}
    route.point_ids = point_ids
    route.length_m = round(sum(haversine_m(a[1], a[0], b[1], b[0]) for a, b in pairwise(line)))
    route.geometry = {"type": "LineString", "coordinates": line}
    route.edited_at = now
    after = {"point_ids": point_ids, "length_m": route.length_m}
    await _log(
        session,
        f"route/{route.id}",
        "updated",
        before,
        after,
        reason=reason,
        caller=caller,
        now=now,
    )


async def changes_of(session: AsyncSession, subject: str) -> list[TerritoryChange]:
    return await changelog.changes_of(session, TerritoryChange, subject)
