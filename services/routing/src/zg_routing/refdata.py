"""Loads routing's part of the default data set: departments, grids, rules, fallback owner,
working calendars and holiday schedules. What managers edit through the API (rules,
departments, calendars) is inserted once and then kept: a new data-set version adds what is
new and leaves edited rows alone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import unit_of_work
from zg_common.refdata import RefData, load_part_once
from zg_common.territory import CopyFollower
from zg_routing import directory, repository, territory_copy
from zg_routing.calendar import Clock, TimeLimits
from zg_routing.models import (
    SCHEMA,
    Department,
    Grid,
    HolidayYear,
    RoutingRule,
    RoutingSetting,
    WorkingCalendarRow,
)
from zg_routing.runtime import RoutingRuntime
from zg_routing.territory import GridIndex


async def load(runtime: RoutingRuntime) -> None:
    data = RefData(runtime.settings.refdata_dir)

    async def load_territory(session: AsyncSession) -> None:
        for d in data.read("departments.json"):
            insert = pg_insert(Department).values(
                id=d["id"],
                name=d["name"],
                name_en=d["name_en"],
                mode=d["mode"],
                calendar=d["calendar"],
                grids=d["grids"],
                contacts=d["contacts"],
            )
            await session.execute(  # contacts arrive for departments loaded without them
                insert.on_conflict_do_update(
                    index_elements=[Department.id],
                    set_={"contacts": insert.excluded.contacts},
                    where=Department.contacts == sql_cast([], JSONB),
                )
            )
        await territory_copy.load_data_set(session, data)

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
                    grid_id=r.get("grid_id"),
                    zone_type=r.get("zone_type"),
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

    async def load_calendars(session: AsyncSession) -> None:
        table = data.read("calendars.json")
        now = datetime.now(UTC)
        for c in table["calendars"]:
            row = {"name": c["name"], "zone": table["timezone"], "week": c["week"]}
            await session.execute(
                pg_insert(WorkingCalendarRow)
                .values(id=c["id"], **row, holidays=c["holidays"], updated_at=now)
                .on_conflict_do_nothing()
            )
        for y in table["public_holidays"]:
            await session.execute(
                pg_insert(HolidayYear)
                .values(
                    year=int(y["year"]),
                    source=y["source"],
                    off=y["off"],
                    work=y["work"],
                    updated_at=now,
                )
                .on_conflict_do_nothing()
            )
        await directory.next_version(session)

    async with unit_of_work(runtime.sessions) as session:
        loaded = [
            await load_part_once(
                session, schema=SCHEMA, part=part, version=data.version, loader=loader
            )
            for part, loader in (
                ("territory", load_territory),
                ("routing_rules", load_rules),
                ("calendars", load_calendars),
            )
        ]
        if any(loaded):  # a new version: the directory as it stands now, for the others
            await directory.announce_all(session, at=datetime.now(UTC))
        grids = await repository.list_grids(session)
        calendars, stamp = await directory.read_calendars(session)
    runtime.state.grids = index = GridIndex(grids)
    runtime.state.territory_copy = CopyFollower(
        runtime.sessions, (Grid,), lambda s: territory_copy.rebuild(s, index)
    )
    runtime.state.zone_types = frozenset(z["id"] for z in data.read("zone_types.json"))
    runtime.state.clock = Clock(
        calendars=calendars, limits=TimeLimits(data.read("time_limits.json")), stamp=stamp
    )
