"""Queries of officers' positions: the track of fixes and each officer's latest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_patrol.models import Officer, OfficerLatest, OfficerPosition

LATEST = ("at", "lat", "lon", "accuracy_m")


async def add_fixes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(insert(OfficerPosition), list(rows))


async def move_latest(session: AsyncSession, badge: str, fix: dict[str, Any]) -> bool:
    """The officer's latest position, unless the one stored is newer; whether it moved."""
    upsert = pg_insert(OfficerLatest).values(badge=badge, **{k: fix[k] for k in LATEST})
    moved = await session.scalar(
        upsert.on_conflict_do_update(
            index_elements=[OfficerLatest.badge],
            set_={c: upsert.excluded[c] for c in LATEST},
            where=OfficerLatest.at < upsert.excluded.at,
        ).returning(OfficerLatest.badge)
    )
    return moved is not None


async def latest_of(
    session: AsyncSession, badge: str, *, fresh: bool = False
) -> OfficerLatest | None:
    """The officer's latest position (`fresh`: as stored now, this transaction's write too)."""
    return await session.get(OfficerLatest, badge, populate_existing=fresh)


async def latest_since(
    session: AsyncSession, *, grid_ids: frozenset[str] | None, since: datetime
) -> list[tuple[Officer, OfficerLatest]]:
    query = (
        select(Officer, OfficerLatest)
        .join(OfficerLatest, OfficerLatest.badge == Officer.badge)
        .where(OfficerLatest.at >= since)
        .order_by(Officer.badge)
    )
    if grid_ids is not None:
        query = query.where(Officer.grid_id.in_(sorted(grid_ids)))
    return [(o, p) for o, p in (await session.execute(query)).all()]


async def fixes_between(
    session: AsyncSession, badge: str, begin: datetime, end: datetime
) -> list[OfficerPosition]:
    return list(
        await session.scalars(
            select(OfficerPosition)
            .where(
                OfficerPosition.badge == badge,
                OfficerPosition.at >= begin,
                OfficerPosition.at < end,
            )
            .order_by(OfficerPosition.at, OfficerPosition.id)
        )
    )


async def delete_fixes_received_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(OfficerPosition).where(OfficerPosition.received_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
