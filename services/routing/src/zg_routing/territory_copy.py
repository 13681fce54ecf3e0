"""Routing's copy of patrol's grids: started from the data set, kept current by patrol's
`patrol.territory.changed.v1` events, and mirrored in each process's `GridIndex`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import territory
from zg_common.contracts.patrol import GridState, TerritoryChanged
from zg_common.refdata import RefData
from zg_routing import repository
from zg_routing.models import Grid
from zg_routing.runtime import RoutingRuntime
from zg_routing.territory import GridIndex


def _row(grid: GridState, at: datetime | None) -> dict[str, object]:
    return {
        "id": grid.id,
        "code": grid.code,
        "name": grid.name,
        "zone_type": grid.zone_type,
        "geometry": grid.geometry,
        "changed_at": at,
    }


async def load_data_set(session: AsyncSession, data: RefData) -> None:
    """A data-set version's grids, but for what patrol's events changed."""
    rows = [_row(g, None) for g in territory.read_grids(data)]
    await territory.load_from_data_set(session, Grid, rows)


async def apply_change(session: AsyncSession, change: TerritoryChanged) -> bool:
    """A grid's new state, unless the copy holds a newer change (points, routes and officers
    are not routing's concern); whether it changed the copy."""
    if change.grid is None:
        return False
    return await territory.apply_newer(session, Grid, _row(change.grid, change.at))


async def rebuild(session: AsyncSession, into: GridIndex) -> None:
    into.update(await repository.list_grids(session))


async def follow(runtime: RoutingRuntime) -> None:
    """Background loop: this process's index follows the copy's changes another replica
    applied."""
    await runtime.state.territory_copy.follow(runtime.settings.territory_follow_s)
