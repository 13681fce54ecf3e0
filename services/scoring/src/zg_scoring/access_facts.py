"""The access service's counts as facts: each compound's registered residents after each
registration or departure (`access.compound.occupancy_changed.v1`), keyed by the event id
(a redelivery changes nothing), for the district indicators' registration coverage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.access import OccupancyChanged
from zg_common.events import CloudEvent, EventContract
from zg_scoring.models import OccupancyFact

CONTRACTS: tuple[type[EventContract], ...] = (OccupancyChanged,)


async def apply(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    rows = {}
    for event in events:
        if event.type == OccupancyChanged.event_type:
            o = OccupancyChanged.parse(event)
            rows[event.id] = {
                "event_id": event.id,
                "compound_id": o.compound_id,
                "grid_id": o.grid_id,
                "residents": o.residents,
                "at": o.at,
            }
    if rows:
        await session.execute(
            pg_insert(OccupancyFact).values(list(rows.values())).on_conflict_do_nothing()
        )


async def registered_by_grid(session: AsyncSession, end: datetime) -> dict[str, int]:
    """Registered residents per grid at `end`: each compound's latest count before it."""
    latest = (
        select(
            OccupancyFact.grid_id,
            OccupancyFact.residents,
            func.row_number()
            .over(
                partition_by=OccupancyFact.compound_id,
                order_by=(OccupancyFact.at.desc(), OccupancyFact.event_id.desc()),
            )
            .label("n"),
        )
        .where(OccupancyFact.at < end)
        .subquery()
    )
    rows = await session.execute(
        select(latest.c.grid_id, func.sum(latest.c.residents))
        .where(latest.c.n == 1)
        .group_by(latest.c.grid_id)
    )
    return {grid: int(total) for grid, total in rows}
