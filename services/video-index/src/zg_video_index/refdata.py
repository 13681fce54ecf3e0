"""Loads video-index's part of the default data set: the start of its copy of patrol's grids
(to place cameras in them) and the cameras, then builds this process's camera index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import unit_of_work
from zg_common.geo import Projection
from zg_common.refdata import RefData, load_part_once
from zg_common.territory import CopyFollower
from zg_video_index import registry, territory_copy, transfer
from zg_video_index.models import SCHEMA, Grid
from zg_video_index.registry import LiveIndex, Territory
from zg_video_index.runtime import VideoIndexRuntime


async def load(runtime: VideoIndexRuntime) -> None:
    data = RefData(runtime.settings.refdata_dir)
    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session,
            schema=SCHEMA,
            part="territory",
            version=data.version,
            loader=lambda s: territory_copy.load_data_set(s, data),
        )
        grids = await territory_copy.grids(session)
    runtime.state.grids = territory = Territory(grids)
    runtime.state.territory_copy = CopyFollower(
        runtime.sessions, (Grid,), lambda s: territory_copy.rebuild(s, territory)
    )

    async def load_cameras(session: AsyncSession) -> None:
        checked = registry.check_rows(
            transfer.rows_of_features(data.read("cameras.geojson")), runtime.state.grids
        )
        if checked.errors:
            raise ValueError(f"the data set's cameras are invalid: {checked.errors[:3]}")
        # cameras changed through the API since stay as they were changed
        await registry.store(
            session,
            checked.cameras,
            runtime.state.grids,
            now=datetime.now(UTC),
            overwrite=False,
        )

    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session, schema=SCHEMA, part="cameras", version=data.version, loader=load_cameras
        )
    lats = [lat for geometry, _ in grids for lon, lat in _ring(geometry)]
    lons = [lon for geometry, _ in grids for lon, lat in _ring(geometry)]
    live = LiveIndex(Projection((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2))
    await live.catch_up(runtime.sessions)
    runtime.state.index = live


def _ring(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    coords = geometry["coordinates"]
    ring = coords[0] if geometry["type"] == "Polygon" else coords[0][0]
    return [(c[0], c[1]) for c in ring]
