"""Loads routing's part of the default data set: departments, grids, rules, fallback owner."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.app import Runtime
from zg_common.db import unit_of_work
from zg_common.refdata import RefData, load_part_once
from zg_routing import repository
from zg_routing.calendar import Clock, TimeLimits, load_calendars
from zg_routing.models import SCHEMA, Department, Grid, RoutingRule, RoutingSetting
from zg_routing.territory import grid_index


async def load(runtime: Runtime) -> None:
    data = RefData(runtime.settings.refdata_dir)

    async def load_territory(session: AsyncSession) -> None:
        for d in data.read("departments.json"):
            await session.merge(
                Department(
                    id=d["id"],
                    name=d["name"],
                    name_en=d["name_en"],
                    mode=d["mode"],
                    calendar=d["calendar"],
                    grids=d["grids"],
                )
            )
        for f in data.read("grids.geojson")["features"]:
            p = f["properties"]
            await session.merge(
                Grid(
                    id=p["id"],
                    code=p["code"],
                    name=p["name"],
                    zone_type=p["zone_type"],
                    geometry=f["geometry"],
                )
            )

    async def load_rules(session: AsyncSession) -> None:
        # Rules of the data set are inserted once; rules that managers changed are kept.
        table = data.read("routing_rules.json")
        await session.flush()
        for r in table["rules"]:
            await session.execute(
                pg_insert(RoutingRule)
                .values(
                    id=r["id"],
                    category=r["category"],
                    grid_id=r["grid_id"],
                    department_id=r["department_id"],
                    active=True,
                )
                .on_conflict_do_nothing()
            )
        await session.execute(
            pg_insert(RoutingSetting)
            .values(id=1, fallback_department_id=table["fallback_department_id"])
            .on_conflict_do_nothing()
        )

    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session, schema=SCHEMA, part="territory", version=data.version, loader=load_territory
        )
        await load_part_once(
            session, schema=SCHEMA, part="routing_rules", version=data.version, loader=load_rules
        )
        grids = await repository.list_grids(session)
    runtime.state["grids"] = grid_index(grids)
    runtime.state["clock"] = Clock(
        calendars=load_calendars(data.read("calendars.json")),
        limits=TimeLimits(data.read("time_limits.json")),
    )
