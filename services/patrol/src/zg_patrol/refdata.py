"""Loads patrol's part of the default data set: the territory and the officers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import territory
from zg_common.contracts.patrol import TerritoryLoaded
from zg_common.db import unit_of_work
from zg_common.refdata import RefData, load_part_once
from zg_patrol.models import SCHEMA, Grid, Officer, PatrolPoint, Route, ZoneType, outbox
from zg_patrol.plans import planning
from zg_patrol.requirements import Requirements
from zg_patrol.runtime import PatrolRuntime
from zg_patrol.territory.service import TerritoryRow, changed


async def announce_edited(session: AsyncSession, *, at: datetime) -> int:
    """The state of every point, route and officer edited through the API (`loaded`): the
    data set gives every copy the rest (each reads the same version), so a new version is
    announced by what differs from it; how many."""
    rows: list[TerritoryRow] = []
    for model in (PatrolPoint, Route, Officer):
        rows += list(await session.scalars(select(model).where(model.edited_at.is_not(None))))
    await outbox.add_all(session, [changed(row, "loaded", at) for row in rows])
    return len(rows)


async def load(runtime: PatrolRuntime) -> None:
    data = RefData(runtime.settings.refdata_dir)

    async def load_territory(session: AsyncSession) -> None:
        for z in data.read("zone_types.json"):
            await session.merge(ZoneType(id=z["id"], name=z["name"], name_en=z["name_en"]))
        await session.flush()
        grids = territory.read_grids(data)
        for grid in grids:
            await session.merge(Grid(**grid.model_dump()))
        await session.flush()
        # what managers changed through the API since stays as they left it
        edited = {
            f"{kind}/{key}"
            for kind, key_column, column in (
                ("point", PatrolPoint.id, PatrolPoint.edited_at),
                ("route", Route.id, Route.edited_at),
                ("officer", Officer.badge, Officer.edited_at),
            )
            for key in await session.scalars(select(key_column).where(column.is_not(None)))
        }
        points = territory.read_points(data)
        for point in points:
            if f"point/{point.id}" not in edited:
                await session.merge(PatrolPoint(**point.model_dump(exclude={"retired"})))
        routes = data.read("routes.geojson")["features"]
        for f in routes:
            p = f["properties"]
            if f"route/{p['id']}" in edited:
                continue
            await session.merge(
                Route(
                    id=p["id"],
                    name=p["name"],
                    name_en=p["name_en"],
                    grid_id=p["grid_id"],
                    point_ids=p["point_ids"],
                    length_m=p["length_m"],
                    geometry=f["geometry"],
                )
            )
        officers = data.read("officers.json")
        for o in officers:
            if f"officer/{o['badge']}" in edited:
                continue
            await session.merge(
                Officer(
                    badge=o["badge"],
                    name=o["name"],
                    grid_id=o["grid_id"],
                    shift=o["shift"],
                    certificate=o["certificate"],
                )
            )
        await session.flush()
        await announce_edited(session, at=datetime.now(UTC))
        await outbox.add(
            session,
            TerritoryLoaded(
                dataset_version=data.version,
                grids=len(grids),
                patrol_points=len(points),
                routes=len(routes),
                officers=len(officers),
            ),
            subject=f"territory-{data.version}",
        )

    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session, schema=SCHEMA, part="territory", version=data.version, loader=load_territory
        )
    runtime.state.requirements = Requirements(data.read("patrol_requirements.json"))
    # at shutdown, a day plan being solved gives up (planning.STOPPING)
    planning.STOPPING.clear()
    runtime.cleanup.callback(planning.STOPPING.set)
    runtime.state.object_types = {o["id"]: o for o in data.read("object_types.json")}
