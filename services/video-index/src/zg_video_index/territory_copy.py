"""The video index's copy of patrol's grids: started from the data set, kept current by
patrol's `patrol.territory.changed.v1` events, and mirrored in each process's `Territory`
(which grid a camera is in; whether a place is near enough to the district)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import territory
from zg_common.contracts.patrol import TerritoryChanged
from zg_common.refdata import RefData
from zg_video_index.models import Grid
from zg_video_index.registry import Territory
from zg_video_index.runtime import VideoIndexRuntime


async def load_data_set(session: AsyncSession, data: RefData) -> None:
    """A data-set version's grids, but for what patrol's events changed."""
    rows = [
        {"id": g.id, "geometry": g.geometry, "changed_at": None} for g in territory.read_grids(data)
    ]
    await territory.load_from_data_set(session, Grid, rows)


async def apply_change(session: AsyncSession, change: TerritoryChanged) -> bool:
    """A grid's new state, unless the copy holds a newer change; whether it changed the copy."""
    if change.grid is None:
        return False
    row = {"id": change.grid.id, "geometry": change.grid.geometry, "changed_at": change.at}
    return await territory.apply_newer(session, Grid, row)


async def grids(session: AsyncSession) -> list[tuple[dict[str, object], str]]:
    return [(g.geometry, g.id) for g in await session.scalars(select(Grid).order_by(Grid.id))]


async def rebuild(session: AsyncSession, into: Territory) -> None:
    into.update(await grids(session))


async def follow(runtime: VideoIndexRuntime) -> None:
    """Background loop: this process's index follows the copy's changes another replica
    applied."""
    await runtime.state.territory_copy.follow(runtime.settings.territory_follow_s)
