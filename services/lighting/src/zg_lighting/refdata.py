"""Loads lighting's part of the default data set (`lights.json`): the cabinets, circuits and
lights, and the switching schedule. A new data-set version updates names and places and adds
what is new; the lights keep their latest reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import unit_of_work
from zg_common.refdata import RefData, load_part_once
from zg_lighting.models import SCHEMA, Cabinet, Circuit, Light
from zg_lighting.runtime import LightingRuntime
from zg_lighting.schedule import Schedule


async def load_lights(session: AsyncSession, document: dict[str, Any]) -> None:
    for c in document["cabinets"]:
        values = {"name": c["name"], "lat": c["lat"], "lon": c["lon"]}
        await session.execute(
            pg_insert(Cabinet)
            .values(id=c["id"], **values)
            .on_conflict_do_update(index_elements=["id"], set_=values)
        )
    for c in document["circuits"]:
        values = {"name": c["name"], "road": c["road"], "cabinet_id": c["cabinet_id"]}
        await session.execute(
            pg_insert(Circuit)
            .values(id=c["id"], **values)
            .on_conflict_do_update(index_elements=["id"], set_=values)
        )
    rows = document["lights"]
    for start in range(0, len(rows), 500):
        batch = [
            {
                "id": r["id"],
                "pole": r["pole"],
                "circuit_id": r["circuit_id"],
                "grid_id": r["grid_id"],
                "lat": r["lat"],
                "lon": r["lon"],
                "lamp_w": r["lamp_w"],
                "state": "unknown",
            }
            for r in rows[start : start + 500]
        ]
        insert = pg_insert(Light).values(batch)
        place = ("pole", "circuit_id", "grid_id", "lat", "lon", "lamp_w")
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["id"], set_={k: insert.excluded[k] for k in place}
            )
        )


async def load(runtime: LightingRuntime) -> None:
    data = RefData(runtime.settings.refdata_dir)
    document = data.read("lights.json")
    runtime.state.schedule = Schedule(document)
    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session,
            schema=SCHEMA,
            part="lights",
            version=data.version,
            loader=lambda s: load_lights(s, document),
        )
