"""The territory patrol owns, as the other services copy it: the one reader of the data set's
grids and patrol points (so that a fresh copy starts from the same rows patrol loads), and the
loop that keeps a process's in-memory copy in step with its table.

Patrol publishes the full state of every grid, point, route and officer it changes
(`patrol.territory.changed.v1`, and the edited ones again at each data-set version); a copy
takes the data set's rows for what no event changed, and applies the events on top (the newer
wins). Each replica rebuilds its in-memory index when
its table changed (`follow_copy`), the one that applied the event at once (after its commit).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.contracts.patrol import GridState, PointState
from zg_common.refdata import RefData

log = logging.getLogger(__name__)


def read_grids(data: RefData) -> list[GridState]:
    """The data set's grids (`grids.geojson`)."""
    return [
        GridState(
            id=p["id"],
            code=p["code"],
            name=p["name"],
            name_en=p["name_en"],
            zone_type=p["zone_type"],
            area_m2=p["area_m2"],
            geometry=f["geometry"],
        )
        for f in data.read("grids.geojson")["features"]
        for p in (f["properties"],)
    ]


def read_points(data: RefData) -> list[PointState]:
    """The data set's patrol points (`patrol_points.geojson`)."""
    return [
        PointState(
            id=p["id"],
            code=p["code"],
            grid_id=p["grid_id"],
            object_type=p["object_type"],
            name=p["name"],
            address=p["address"],
            work_focus=p["work_focus"],
            standard=p["standard"],
            lat=f["geometry"]["coordinates"][1],
            lon=f["geometry"]["coordinates"][0],
        )
        for f in data.read("patrol_points.geojson")["features"]
        for p in (f["properties"],)
    ]


async def load_from_data_set(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """A data-set version's rows into a copy: new ones inserted, the others refreshed unless
    an event changed them (their `changed_at` is set)."""
    if not rows:
        return
    insert = pg_insert(table)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.id],
            set_={k: insert.excluded[k] for k in rows[0] if k != "id"},
            where=table.changed_at.is_(None),
        ),
        rows,
    )


async def apply_newer(session: AsyncSession, table: Any, row: dict[str, Any]) -> bool:
    """Upsert a copy's row by `id`, unless the row it replaces holds a newer change (its
    `changed_at`; null for a row from the data set); whether it was written."""
    insert = pg_insert(table).values(row)
    newer = table.changed_at.is_(None) | (table.changed_at < insert.excluded.changed_at)
    result = await session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.id],
            set_={k: insert.excluded[k] for k in row if k != "id"},
            where=newer,
        ).returning(table.id)
    )
    return result.first() is not None


async def newest_change(session: AsyncSession, *tables: Any) -> datetime | None:
    """The newest change a copy's tables hold (what the replicas watch)."""
    changes = union_all(*(select(t.changed_at) for t in tables)).subquery()
    latest: datetime | None = await session.scalar(select(func.max(changes.c.changed_at)))
    return latest


class Rebuilds:
    """Rebuilds a process's in-memory copy after its table changed, one rebuild for a burst of
    changes: a data-set version brings a thousand events at once, and rebuilding the index for
    each would hold the process's event loop for a minute."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rebuild: Callable[[AsyncSession], Awaitable[None]],
        *,
        delay_s: float = 0.2,
    ) -> None:
        self.sessions, self.rebuild, self.delay_s = sessions, rebuild, delay_s
        self._pending: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()  # held until done (not collected)

    async def request(self) -> None:
        """Ask for a rebuild (after a commit); the requests of the next `delay_s` share it."""
        if self._pending is None or self._pending.done():
            self._pending = task = asyncio.create_task(self._run())
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self) -> None:
        await asyncio.sleep(self.delay_s)
        self._pending = None  # a change committed from now on asks for the next rebuild
        try:
            async with self.sessions() as session:
                await self.rebuild(session)
        except Exception:
            log.exception("territory copy rebuild failed; the follow loop will try again")


Stamp = Callable[[AsyncSession], Awaitable[datetime | None]]


async def follow_copy(
    sessions: async_sessionmaker[AsyncSession],
    *,
    stamp: Stamp,
    rebuild: Callable[[AsyncSession], Awaitable[None]],
    interval_s: float,
) -> None:
    """Background loop: rebuild the in-memory copy whenever the table's newest change (`stamp`)
    moved, so that a replica that did not consume the event follows within `interval_s`."""
    async with sessions() as session:
        seen = await stamp(session)
    while True:
        await asyncio.sleep(interval_s)
        async with sessions() as session:
            latest = await stamp(session)
            if latest != seen:
                seen = latest
                await rebuild(session)
                log.info("territory copy rebuilt", extra={"changed_at": str(latest)})
