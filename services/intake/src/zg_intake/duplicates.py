"""Duplicate merging: a report of the same minor category within the category's radius and
time window of an open case joins that case instead of opening a new one (its reporter follows
it); an operator can split a wrong merge. The radius and window are data (categories.json)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    DateTime,
    Float,
    String,
    bindparam,
    column,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.geo import haversine_m
from zg_intake import history
from zg_intake.models import Case, CaseFollower
from zg_intake.territory import CategoryRef

METRES_PER_DEGREE = 111_320.0
CANDIDATE_COUNT = 8


# Built once: SQLAlchemy then neither builds nor keys a statement per report, it binds values.
# The locks are taken in the order of the names given (sorted: two reports never wait for each
# other crosswise).
_LOCK = select(func.pg_advisory_xact_lock(func.hashtext(column("name", String)))).select_from(
    func.unnest(bindparam("names", type_=ARRAY(String))).alias("name")
)
_POSITION = func.point(Case.lon, Case.lat)
# Open cases of a category in a bounding box and a time window, nearest first. The box and the
# ordering use the GiST index on open cases' positions (migration 0007).
CANDIDATES = (
    select(Case)
    .where(
        Case.is_open,
        _POSITION.op("<@")(
            func.box(
                func.point(bindparam("west", type_=Float), bindparam("south", type_=Float)),
                func.point(bindparam("east", type_=Float), bindparam("north", type_=Float)),
            )
        ),
        Case.category == bindparam("category", type_=String),
        Case.reported_at >= bindparam("since", type_=DateTime(timezone=True)),
    )
    .order_by(
        _POSITION.op("<->")(
            func.point(bindparam("lon", type_=Float), bindparam("lat", type_=Float))
        ),
        Case.reported_at,
    )
    .limit(CANDIDATE_COUNT)
)


def lock_names(category: CategoryRef, lat: float, lon: float) -> list[str]:
    """The locks a report's duplicate check takes: one per cell of the category's own grid (a
    square of twice its radius, in degrees) that the box of its radius around the place
    touches, sorted. Two reports that could be duplicates of each other (within the radius)
    share a cell — each one's box holds the other's place, so both lock the cell of that
    place — and wait for each other; reports farther apart do not, so a storm of one
    category's reports across the district is not made to queue behind one lock."""
    radius = float(category.duplicate_radius_m or 0)
    cell = 2 * radius / METRES_PER_DEGREE
    dlat = radius / METRES_PER_DEGREE
    dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    rows = range(math.floor((lat - dlat) / cell), math.floor((lat + dlat) / cell) + 1)
    columns = range(math.floor((lon - dlon) / cell), math.floor((lon + dlon) / cell) + 1)
    grid = f"intake.duplicates:{category.code}:{radius:g}"
    return sorted(f"{grid}:{row}:{col}" for row in rows for col in columns)


async def lock_place(session: AsyncSession, category: CategoryRef, lat: float, lon: float) -> None:
    """Serialise the duplicate check and insert of the reports of one category that could be
    duplicates of each other (two reports of the same problem arriving together must not both
    open a case); other places and categories go on (`lock_names`). A category without a
    radius and window merges nothing: no lock."""
    if not category.duplicate_radius_m or not category.duplicate_window_h:
        return
    await session.execute(_LOCK, {"names": lock_names(category, lat, lon)})


def candidate_params(
    category: CategoryRef, lat: float, lon: float, now: datetime
) -> dict[str, Any]:
    """The values of `CANDIDATES` for a report: the box of the category's radius around the
    place, and the start of its window."""
    radius = float(category.duplicate_radius_m or 0)
    dlat = radius / METRES_PER_DEGREE
    dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return {
        "west": lon - dlon,
        "south": lat - dlat,
        "east": lon + dlon,
        "north": lat + dlat,
        "category": category.code,
        "since": now - timedelta(hours=category.duplicate_window_h or 0),
        "lon": lon,
        "lat": lat,
    }


async def find_open_duplicate(
    session: AsyncSession, *, category: CategoryRef, lat: float, lon: float, now: datetime
) -> Case | None:
    """The nearest open case of the category within its radius and window, if any."""
    if not category.duplicate_radius_m or not category.duplicate_window_h:
        return None
    radius = float(category.duplicate_radius_m)
    params = candidate_params(category, lat, lon, now)
    for case in await session.scalars(CANDIDATES, params):
        if haversine_m(lat, lon, case.lat, case.lon) <= radius:
            return case
    return None


async def merge_into(session: AsyncSession, *, report: Case, parent: Case, at: datetime) -> None:
    """Record `report` (flushed, status merged) as one more report of `parent`."""
    await session.execute(
        update(Case)
        .where(Case.id == parent.id)
        .values(report_count=Case.report_count + 1, updated_at=at)
    )
    if report.reporter_sub is not None:
        await session.execute(
            pg_insert(CaseFollower)
            .values(case_id=parent.id, sub=report.reporter_sub, via_case_id=report.id)
            .on_conflict_do_nothing()
        )
    await history.record(
        session,
        parent,
        status=parent.status,
        at=at,
        note=f"another report of this problem joined: {report.number} via {report.source}",
    )


async def unmerge(session: AsyncSession, *, report: Case, parent: Case, at: datetime) -> None:
    await session.execute(
        update(Case)
        .where(Case.id == parent.id)
        .values(report_count=Case.report_count - 1, updated_at=at)
    )
    await session.execute(
        delete(CaseFollower).where(
            CaseFollower.case_id == parent.id, CaseFollower.via_case_id == report.id
        )
    )
