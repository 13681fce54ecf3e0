"""Managers edit the territory: patrol points (a point must lie in its grid), officers (badge,
grid, shift, certificate), officers' absences (leave planned ahead), routes (their points in
order). Points are retired, never deleted: plans, check-ins and scores refer to them. Every
change is logged with who, why, before and after, and announced (`patrol.territory.changed.v1`);
an edited row is left alone by later data sets. Officers and absences are in `officers`; the
reads of the territory are here too, for the routers of every part of patrol."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import changelog
from zg_common.contracts.patrol import (
    GridState,
    OfficerState,
    PointState,
    RouteState,
    TerritoryChanged,
)
from zg_common.errors import FieldError, ValidationFailed
from zg_common.geo import haversine_m
from zg_common.identity import Identity
from zg_patrol.exceptions import GridNotFound, PointNotFound, RouteNotFound
from zg_patrol.models import (
    Grid,
    Officer,
    PatrolPoint,
    Route,
    TerritoryChange,
    ZoneType,
    outbox,
)
from zg_patrol.territory import repository

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


def invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field=field, code=code, message=message)])


def snapshot(row: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


TerritoryRow = Grid | PatrolPoint | Route | Officer


def changed(row: TerritoryRow, change: str, at: datetime) -> tuple[TerritoryChanged, str]:
    """The event of a change with the full new state of what changed, and its subject."""
    if isinstance(row, Grid):
        grid = GridState.model_validate(row, from_attributes=True)
        return TerritoryChanged(subject=f"grid/{row.id}", change=change, at=at, grid=grid), (
            f"grid/{row.id}"
        )
    if isinstance(row, PatrolPoint):
        point = PointState(
            **{f: getattr(row, f) for f in PointState.model_fields if f != "retired"},
            retired=row.retired_at is not None,
        )
        subject = f"point/{row.id}"
        return TerritoryChanged(subject=subject, change=change, at=at, point=point), subject
    if isinstance(row, Route):
        route = RouteState.model_validate(row, from_attributes=True)
        subject = f"route/{row.id}"
        return TerritoryChanged(subject=subject, change=change, at=at, route=route), subject
    officer = OfficerState(
        **{f: getattr(row, f) for f in OfficerState.model_fields if f != "retired"},
        retired=row.retired_at is not None,
    )
    subject = f"officer/{row.badge}"
    return TerritoryChanged(subject=subject, change=change, at=at, officer=officer), subject


async def log_change(
    session: AsyncSession,
    row: TerritoryRow,
    change: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    reason: str,
    caller: Identity,
    now: datetime,
) -> None:
    """Log who changed what, why, from what to what; and announce the new state."""
    await session.flush()
    event, subject = changed(row, change, now)
    changelog.record(
        session, TerritoryChange, subject, change, before, after, reason=reason, caller=caller
    )
    await outbox.add(session, event, subject=subject)


async def existing_grid(session: AsyncSession, grid_id: str) -> Grid:
    grid = await session.get(Grid, grid_id)
    if grid is None:
        raise invalid("grid_id", "unknown_grid", f"there is no grid {grid_id}")
    return grid


def _check_place(grid: Grid, lat: float, lon: float) -> None:
    if not shape(grid.geometry).covers(Point(lon, lat)):
        raise invalid("lat", "outside_grid", f"the place is outside grid {grid.id}")


# --- reads (for the routers of every part of patrol) ---------------------------------------


async def zone_types(session: AsyncSession) -> list[ZoneType]:
    return await repository.list_zone_types(session)


async def grids(session: AsyncSession, *, zone_type: str | None = None) -> list[Grid]:
    return await repository.list_grids(session, zone_type=zone_type)


async def has_grid(session: AsyncSession, grid_id: str) -> bool:
    return await repository.get_grid(session, grid_id) is not None


async def grid(session: AsyncSession, grid_id: str) -> Grid:
    found = await repository.get_grid(session, grid_id)
    if found is None:
        raise GridNotFound(f"No grid {grid_id}")
    return found


async def points(
    session: AsyncSession,
    *,
    grid_id: str | None = None,
    object_type: str | None = None,
    after: str | None = None,
    limit: int = 100_000,
) -> list[PatrolPoint]:
    """Points in service in id order, from the one after `after`."""
    return await repository.list_points(
        session, grid_id=grid_id, object_type=object_type, after=after, limit=limit
    )


async def find_point(session: AsyncSession, point_id: str) -> PatrolPoint | None:
    """A point in service, or None."""
    found = await session.get(PatrolPoint, point_id)
    return None if found is None or found.retired_at is not None else found


async def point(session: AsyncSession, point_id: str) -> PatrolPoint:
    """A point in service."""
    found = await find_point(session, point_id)
    if found is None:
        raise PointNotFound(f"No patrol point {point_id}")
    return found


async def routes(session: AsyncSession, *, grid_id: str | None = None) -> list[Route]:
    return await repository.list_routes(session, grid_id=grid_id)


async def route(session: AsyncSession, route_id: str) -> Route:
    found = await session.get(Route, route_id)
    if found is None:
        raise RouteNotFound(f"No route {route_id}")
    return found


async def route_points(session: AsyncSession, found: Route) -> list[PatrolPoint]:
    """A route's points in its order."""
    by_id = {p.id: p for p in await repository.points_by_id(session, found.point_ids)}
    return [by_id[i] for i in found.point_ids if i in by_id]


async def officers(
    session: AsyncSession, *, grid_id: str | None = None, shift: str | None = None
) -> list[Officer]:
    return await repository.list_officers(session, grid_id=grid_id, shift=shift)


async def officer(session: AsyncSession, badge: str) -> Officer | None:
    """An officer, retired or not (plans and tracks keep theirs)."""
    return await session.get(Officer, badge)


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
        raise invalid("object_type", "unknown_object_type", f"one of: {known}")
    grid = await existing_grid(session, values["grid_id"])
    _check_place(grid, values["lat"], values["lon"])
    number = await repository.next_point_number(session)
    codes = await repository.point_codes(session, grid.id)
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
    after = snapshot(point, POINT_FIELDS)
    await log_change(session, point, "created", None, after, reason=reason, caller=caller, now=now)
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
        raise invalid("object_type", "unknown_object_type", f"one of: {sorted(object_types)}")
    before = snapshot(point, POINT_FIELDS)
    merged = before | changes
    if {"grid_id", "lat", "lon"} & changes.keys():
        _check_place(await existing_grid(session, merged["grid_id"]), merged["lat"], merged["lon"])
    for field, value in changes.items():
        setattr(point, field, value)
    point.edited_at = now
    await log_change(
        session,
        point,
        "updated",
        before,
        snapshot(point, POINT_FIELDS),
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
    for route in await repository.routes_of_grid(session, point.grid_id):
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
    await log_change(
        session,
        point,
        "retired",
        snapshot(point, POINT_FIELDS),
        None,
        reason=reason,
        caller=caller,
        now=now,
    )
    return point


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
        raise invalid("point_ids", "repeated_point", "each point once")
    if len(point_ids) < 2:
        raise invalid("point_ids", "too_few_points", "a route has two points or more")
    found = {p.id: p for p in await repository.points_by_id(session, point_ids)}
    for n, pid in enumerate(point_ids):
        point = found.get(pid)
        if point is None or point.retired_at is not None:
            raise invalid(f"point_ids.{n}", "unknown_point", f"no active point {pid}")
        if point.grid_id != route.grid_id:
            raise invalid(f"point_ids.{n}", "other_grid", f"{pid} is not in {route.grid_id}")
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
    places = {p.id: (p.lon, p.lat) for p in await repository.points_by_id(session, point_ids)}
    line = [list(places[p]) for p in point_ids if p in places]
    if len(line) == 1:  # a route left with one point (its others retired): still a line
        line *= 2
    before = {"point_ids": route.point_ids, "length_m": route.length_m}
    route.point_ids = point_ids
    route.length_m = round(sum(haversine_m(a[1], a[0], b[1], b[0]) for a, b in pairwise(line)))
    route.geometry = {"type": "LineString", "coordinates": line}
    route.edited_at = now
    after = {"point_ids": point_ids, "length_m": route.length_m}
    await log_change(
        session,
        route,
        "updated",
        before,
        after,
        reason=reason,
        caller=caller,
        now=now,
    )


async def changes_of(session: AsyncSession, subject: str) -> list[TerritoryChange]:
    return await changelog.changes_of(session, TerritoryChange, subject)
