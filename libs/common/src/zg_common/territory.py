"""The territory patrol owns, as the other services copy it: the one reader of the data set's
grids and patrol points (so that a fresh copy starts from the same rows patrol loads), the
upserts of a copy, and what keeps a process's in-memory index of it in step.

Patrol publishes the full state of every grid, point, route and officer it changes
(`patrol.territory.changed.v1`, and the edited ones again at each data-set version); a copy
takes the data set's rows for what no event changed, and applies the events on top (the newer
wins). `CopyFollower` keeps each process's in-memory index in step: at once (after the
commit) in the process that applied an event, within an interval in the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.consumer import ConsumerSpec
from zg_common.contracts.patrol import TOPIC_TERRITORY, GridState, PointState, TerritoryChanged
from zg_common.db import after_commit
from zg_common.events import CloudEvent
from zg_common.refdata import RefData

log = logging.getLogger(__name__)

GRID_PROPERTIES = ("id", "code", "name", "name_en", "zone_type", "area_m2")
POINT_PROPERTIES = (
    "id", "code", "grid_id", "object_type", "name", "address", "work_focus", "standard",
)  # fmt: skip


def read_grids(data: RefData) -> list[GridState]:
    """The data set's grids (`grids.geojson`)."""
    return [
        GridState(**{k: f["properties"][k] for k in GRID_PROPERTIES}, geometry=f["geometry"])
        for f in data.read("grids.geojson")["features"]
    ]


def read_points(data: RefData) -> list[PointState]:
    """The data set's patrol points (`patrol_points.geojson`)."""
    return [
        PointState(
            **{k: f["properties"][k] for k in POINT_PROPERTIES},
            lat=f["geometry"]["coordinates"][1],
            lon=f["geometry"]["coordinates"][0],
        )
        for f in data.read("patrol_points.geojson")["features"]
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


async def apply_newer_all(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """`apply_newer` for many rows at once (one prepared statement; the newest of several
    rows of one id must be picked before). `table` is a Core table. In id order: two
    transactions writing the same ids lock them in one order."""
    if not rows:
        return
    rows = sorted(rows, key=lambda row: row["id"])
    insert = pg_insert(table)
    c = table.c
    newer = c.changed_at.is_(None) | (c.changed_at < insert.excluded.changed_at)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[c.id],
            set_={k: insert.excluded[k] for k in rows[0] if k != "id"},
            where=newer,
        ),
        rows,
    )


async def newest_change(session: AsyncSession, *tables: Any) -> datetime | None:
    """The newest change a copy's tables hold (what the replicas watch)."""
    changes = union_all(*(select(t.changed_at) for t in tables)).subquery()
    latest: datetime | None = await session.scalar(select(func.max(changes.c.changed_at)))
    return latest


class CopyFollower:
    """Keeps a process's in-memory index of a territory copy in step with the copy's tables.

    The process that applies patrol's events rebuilds after their commit, once for a burst (a
    data-set version can bring many at once, and a rebuild per event would hold the event loop
    for a minute); every process also watches the tables' newest change (`follow`), so that a
    replica that did not consume an event follows within the interval. Both paths note the
    change they rebuilt from, so a change is rebuilt from once per process."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: Sequence[Any],
        rebuild: Callable[[AsyncSession], Awaitable[None]],
        *,
        delay_s: float = 0.2,
    ) -> None:
        self.sessions, self.tables, self.rebuild, self.delay_s = sessions, tables, rebuild, delay_s
        self.seen: datetime | None = None
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
            await self.refresh()
        except Exception:
            log.exception("territory copy rebuild failed; the follow loop will try again")

    async def refresh(self) -> None:
        """Rebuild now, noting the newest change the tables held when read."""
        async with self.sessions() as session:
            self.seen = await newest_change(session, *self.tables)
            await self.rebuild(session)

    async def follow(self, interval_s: float) -> None:
        """Background loop: rebuild when the tables hold a change this process has not rebuilt
        from (another replica applied it)."""
        async with self.sessions() as session:
            self.seen = await newest_change(session, *self.tables)
        while True:
            await asyncio.sleep(interval_s)
            async with self.sessions() as session:
                latest = await newest_change(session, *self.tables)
            if latest != self.seen:
                await self.refresh()
                log.info("territory copy rebuilt", extra={"changed_at": str(self.seen)})

    def consumer(self, name: str, apply: Apply) -> ConsumerSpec:
        """The consumer of patrol's territory events that applies them to the copy (`apply`
        says whether the copy changed) and rebuilds this process's index after the commit."""

        async def changed(session: AsyncSession, event: CloudEvent) -> None:
            if await apply(session, TerritoryChanged.parse(event)):
                after_commit(session, self.request)

        return ConsumerSpec(
            name=name,
            topics=(TOPIC_TERRITORY,),
            handlers={TerritoryChanged.event_type: changed},
        )


Apply = Callable[[AsyncSession, TerritoryChanged], Awaitable[bool]]
