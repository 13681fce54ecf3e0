"""Duplicate merging: a report of the same minor category within the category's radius and
time window of an open case joins that case instead of opening a new one (its reporter follows
it); an operator can split a wrong merge. The radius and window are data (categories.json)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Float, String, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.geo import haversine_m
from zg_intake import history
from zg_intake.models import Case, CaseFollower
from zg_intake.territory import CategoryRef

METRES_PER_DEGREE = 111_320.0
CANDIDATE_COUNT = 8


# Built once: SQLAlchemy then neither builds nor keys a statement per report, it binds values.
_LOCK = select(func.pg_advisory_xact_lock(func.hashtext(bindparam("lock_name", type_=String))))
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


async def lock_category(session: AsyncSession, category: str) -> None:
    """Serialise the duplicate check and insert of one category's reports (two reports of the
    same problem arriving together must not both open a case); other categories go on."""
    await session.execute(_LOCK, {"lock_name": f"intake.duplicates:{category}"})


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
