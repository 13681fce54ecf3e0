"""Intake's copy of patrol's territory (grids, patrol points): started from the data set, kept
current by patrol's `patrol.territory.changed.v1` events (the full state of what changed; an
older change than the one a row holds is ignored), and mirrored in each process's in-memory
`Territory`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import territory
from zg_common.contracts.patrol import GridState, PointState, TerritoryChanged
from zg_common.refdata import RefData
from zg_intake.models import Grid, PatrolPoint
from zg_intake.runtime import IntakeRuntime
from zg_intake.territory import GridRef, PointRef, Territory


def _grid_row(grid: GridState, at: datetime | None) -> dict[str, object]:
    return {"id": grid.id, "zone_type": grid.zone_type, "geometry": grid.geometry, "changed_at": at}


def _point_row(point: PointState, at: datetime | None) -> dict[str, object]:
    return {
        "id": point.id,
        "grid_id": point.grid_id,
        "name": point.name,
        "address": point.address,
        "object_type": point.object_type,
        "lat": point.lat,
        "lon": point.lon,
        "retired": point.retired,
        "code_serial": point.code_serial,
        "changed_at": at,
    }


async def load_data_set(session: AsyncSession, data: RefData) -> None:
    """A data-set version's grids and points, but for what patrol's events changed."""
    grids = [_grid_row(g, None) for g in territory.read_grids(data)]
    points = [_point_row(p, None) for p in territory.read_points(data)]
    await territory.load_from_data_set(session, Grid, grids)
    await territory.load_from_data_set(session, PatrolPoint, points)


async def apply_change(session: AsyncSession, change: TerritoryChanged) -> bool:
    """The grid's or point's new state, unless the copy holds a newer change; whether it
    changed the copy (routes and officers are not intake's concern)."""
    if change.grid is not None:
        return await territory.apply_newer(session, Grid, _grid_row(change.grid, change.at))
    if change.point is not None:
        return await territory.apply_newer(
            session, PatrolPoint, _point_row(change.point, change.at)
        )
    return False


Areas = list[tuple[dict[str, Any], GridRef]]


async def _indexed(session: AsyncSession) -> tuple[Areas, list[PointRef]]:
    """Every grid, and the points in service."""
    grids = list(await session.scalars(select(Grid).order_by(Grid.id)))
    points = list(
        await session.scalars(
            select(PatrolPoint).where(PatrolPoint.retired.is_(False)).order_by(PatrolPoint.id)
        )
    )
    return (
        [(g.geometry, GridRef(g.id, g.zone_type)) for g in grids],
        [PointRef(p.id, p.grid_id, p.name, p.address, p.lat, p.lon, p.code_serial) for p in points],
    )


async def build(session: AsyncSession) -> Territory:
    """The in-memory territory of the copy."""
    return Territory(*await _indexed(session))


async def rebuild(session: AsyncSession, into: Territory) -> None:
    into.update(*await _indexed(session))


async def follow(runtime: IntakeRuntime) -> None:
    """Background loop: this process's index follows the copy's changes another replica
    applied."""
    await runtime.state.territory_copy.follow(runtime.settings.territory_follow_s)
