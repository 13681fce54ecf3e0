"""Loads access's part of the default data set: the compounds, their gates and households
(expanded from the buildings: building-unit-room, 3-2-0601). A new data-set version updates
names and places and adds what is new; gates keep their status, residents stay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_access.config import AccessSettings
from zg_access.models import SCHEMA, Compound, Gate, Household
from zg_access.personal import Vault
from zg_access.runtime import AccessRuntime
from zg_access.sms import sender
from zg_common.db import unit_of_work
from zg_common.refdata import RefData, load_part_once


def households(compound: dict[str, Any]) -> list[str]:
    """A compound's households (room 0601: 6th floor, door 1)."""
    return [
        f"{b['number']}-{u}-{floor:02d}{door:02d}"
        for b in compound["buildings"]
        for u in range(1, b["units"] + 1)
        for floor in range(1, b["floors"] + 1)
        for door in range(1, b["per_floor"] + 1)
    ]


async def load_compounds(session: AsyncSession, compounds: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    for c in compounds:
        doors = households(c)
        values = {
            "name": c["name"],
            "property_company": c["property_company"],
            "grid_id": c["grid_id"],
            "lat": c["lat"],
            "lon": c["lon"],
            "households": len(doors),
        }
        await session.execute(
            pg_insert(Compound)
            .values(id=c["id"], **values)
            .on_conflict_do_update(index_elements=["id"], set_=values)
        )
        for g in c["gates"]:
            place = {"name": g["name"], "grid_id": g["grid_id"], "lat": g["lat"], "lon": g["lon"]}
            await session.execute(
                pg_insert(Gate)
                .values(
                    id=g["id"], compound_id=c["id"], status="unknown", status_since=now, **place
                )
                .on_conflict_do_update(index_elements=["id"], set_=place)
            )
        for start in range(0, len(doors), 5000):
            await session.execute(
                pg_insert(Household)
                .values(
                    [{"compound_id": c["id"], "number": d} for d in doors[start : start + 5000]]
                )
                .on_conflict_do_nothing()
            )


def vault_of(settings: AccessSettings) -> Vault:
    if settings.data_secret is None or settings.lookup_secret is None:
        raise ValueError(
            "set ZG_ACCESS_DATA_SECRET and ZG_ACCESS_LOOKUP_SECRET (two different random "
            "secrets, e.g. `openssl rand -base64 48`): residents' data is encrypted with them"
        )
    return Vault(
        settings.data_secret.get_secret_value(),
        settings.lookup_secret.get_secret_value(),
        [s.get_secret_value() for s in settings.old_data_secrets],
    )


async def load(runtime: AccessRuntime) -> None:
    runtime.state.vault = vault_of(runtime.settings)
    runtime.state.sms = sms = sender(runtime.settings)
    runtime.cleanup.push_async_callback(sms.close)
    data = RefData(runtime.settings.refdata_dir)
    async with unit_of_work(runtime.sessions) as session:
        await load_part_once(
            session,
            schema=SCHEMA,
            part="compounds",
            version=data.version,
            loader=lambda s: load_compounds(s, data.read("compounds.json")),
        )
