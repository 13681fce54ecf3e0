"""Missed visits (漏巡): when a visit's window closes without a check-in, the visit is marked
missed, announced, and owes a make-up visit in the next plan. A background loop of the patrol
service; the flags live in the database, so a restart loses none and announces none twice,
and replicas share the work (SKIP LOCKED)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.contracts.patrol import VisitMissed
from zg_common.db import unit_of_work
from zg_patrol.models import outbox
from zg_patrol.plans import repository
from zg_patrol.plans.service import OPEN, TASKS
from zg_patrol.runtime import PatrolRuntime

BATCH = 500


async def close_windows(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """Mark the visits whose window closed before `now` unvisited as missed; how many."""
    async with unit_of_work(sessions) as session:
        # a case task's lateness is routing's (督办), not a missed visit
        visits = await repository.closed_unvisited(
            session, open_statuses=OPEN, tasks=TASKS, before=now, limit=BATCH
        )
        for visit in visits:
            visit.status, visit.updated_at = "missed", now
            await repository.owe_makeup(session, visit, now=now)
            await outbox.add(
                session,
                VisitMissed(
                    visit_id=visit.id,
                    day=visit.day,
                    point_id=visit.point_id,
                    grid_id=visit.grid_id,
                    shift=visit.shift,
                    officer_badge=visit.officer_badge,
                    window_start=visit.window_start,
                    window_end=visit.window_end,
                    at=now,
                ),
                subject=visit.id,
            )
        return len(visits)


async def watch(runtime: PatrolRuntime) -> None:
    interval = runtime.settings.missed_watch_interval_s
    while True:
        if await close_windows(runtime.sessions, now=datetime.now(UTC)) < BATCH:
            await asyncio.sleep(interval)
