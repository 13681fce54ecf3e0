"""Queries of the daily plans: runs, visits, make-ups owed, absences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_patrol.models import MakeupVisit, OfficerAbsence, PatrolPoint, PlanRun, PlanVisit


async def settled_visit_ids(
    session: AsyncSession, day: date, *, open_statuses: Sequence[str], now: datetime
) -> set[str]:
    """The day's visits a new run keeps: settled ones, and open ones whose window closed."""
    return set(
        await session.scalars(
            select(PlanVisit.id).where(
                PlanVisit.day == day,
                PlanVisit.status.not_in(open_statuses) | (PlanVisit.window_end <= now),
            )
        )
    )


async def makeups_owed(session: AsyncSession, day: date) -> list[MakeupVisit]:
    """Make-ups not planned yet, or planned for this day."""
    return list(
        await session.scalars(
            select(MakeupVisit).where(
                (MakeupVisit.planned_day.is_(None)) | (MakeupVisit.planned_day == day)
            )
        )
    )


async def forgive_makeup(session: AsyncSession, missed_visit_id: str) -> None:
    """A missed visit made after all: the make-up it was owed, if not planned yet, goes."""
    await session.execute(
        delete(MakeupVisit).where(
            MakeupVisit.missed_visit_id == missed_visit_id, MakeupVisit.planned_day.is_(None)
        )
    )


async def absences(session: AsyncSession, day: date) -> dict[tuple[str, str], datetime]:
    rows = await session.execute(
        select(OfficerAbsence.badge, OfficerAbsence.shift, func.min(OfficerAbsence.from_at))
        .where(OfficerAbsence.day == day)
        .group_by(OfficerAbsence.badge, OfficerAbsence.shift)
    )
    return {(badge, shift): at for badge, shift, at in rows.all()}


async def latest_run(session: AsyncSession, day: date) -> PlanRun | None:
    return await session.scalar(
        select(PlanRun).where(PlanRun.day == day).order_by(PlanRun.id.desc()).limit(1)
    )


async def unplanned(
    session: AsyncSession, day: date, limit: int, visible: ColumnElement[bool]
) -> list[PlanVisit]:
    return list(
        await session.scalars(
            select(PlanVisit)
            .where(PlanVisit.day == day, PlanVisit.status == "unplanned", visible)
            .order_by(PlanVisit.window_start, PlanVisit.point_id)
            .limit(limit)
        )
    )


async def visit_statuses(
    session: AsyncSession, day: date, visible: ColumnElement[bool]
) -> dict[str, int]:
    """How many of the day's visits stand in each status (the grids the caller sees)."""
    rows = await session.execute(
        select(PlanVisit.status, func.count())
        .where(PlanVisit.day == day, visible)
        .group_by(PlanVisit.status)
    )
    return {status: int(n) for status, n in rows}


async def officer_day(
    session: AsyncSession, day: date, badge: str
) -> list[tuple[PlanVisit, PatrolPoint | None]]:
    """An officer's visits of a day in walking order, with their points."""
    rows = await session.execute(
        select(PlanVisit, PatrolPoint)
        .outerjoin(PatrolPoint, PatrolPoint.id == PlanVisit.point_id)
        .where(PlanVisit.day == day, PlanVisit.officer_badge == badge)
        .order_by(PlanVisit.shift, PlanVisit.seq)
    )
    return [(v, p) for v, p in rows.all()]


async def visits_of_point_near(
    session: AsyncSession, point_id: str, *, statuses: Sequence[str], now: datetime
) -> list[PlanVisit]:
    """A point's visits in these statuses whose windows come within a day of now, locked,
    in window order."""
    day_ago, day_ahead = now - timedelta(hours=24), now + timedelta(hours=24)
    return list(
        await session.scalars(
            select(PlanVisit)
            .where(
                PlanVisit.point_id == point_id,
                PlanVisit.status.in_(statuses),
                PlanVisit.window_end >= day_ago,
                PlanVisit.window_start <= day_ahead,
            )
            .order_by(PlanVisit.window_start)
            .with_for_update()
        )
    )


async def has_plan(session: AsyncSession, day: date) -> bool:
    return await session.scalar(select(PlanRun.id).where(PlanRun.day == day).limit(1)) is not None


async def closed_unvisited(
    session: AsyncSession,
    *,
    open_statuses: Sequence[str],
    tasks: Sequence[str],
    before: datetime,
    limit: int,
) -> list[PlanVisit]:
    """Open patrol visits (not case tasks) whose window closed before a moment, oldest first,
    locked (replicas share them: skip what another holds)."""
    return list(
        await session.scalars(
            select(PlanVisit)
            .where(
                PlanVisit.status.in_(open_statuses),
                PlanVisit.window_end < before,
                PlanVisit.kind.not_in(tasks),
            )
            .order_by(PlanVisit.window_end)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


async def owe_makeup(session: AsyncSession, visit: PlanVisit, *, now: datetime) -> None:
    """A make-up visit owed for a missed one (once)."""
    await session.execute(
        pg_insert(MakeupVisit)
        .values(
            missed_visit_id=visit.id, point_id=visit.point_id, grid_id=visit.grid_id, created_at=now
        )
        .on_conflict_do_nothing()
    )


async def open_tasks_of_case(
    session: AsyncSession, case_id: str, *, tasks: Sequence[str], open_statuses: Sequence[str]
) -> list[PlanVisit]:
    return list(
        await session.scalars(
            select(PlanVisit)
            .where(
                PlanVisit.case_id == case_id,
                PlanVisit.kind.in_(tasks),
                PlanVisit.status.in_(open_statuses),
            )
            .with_for_update()
        )
    )


async def open_tasks(
    session: AsyncSession, *, tasks: Sequence[str], open_statuses: Sequence[str]
) -> list[PlanVisit]:
    """Every open case task, locked (replicas share them)."""
    return list(
        await session.scalars(
            select(PlanVisit)
            .where(PlanVisit.kind.in_(tasks), PlanVisit.status.in_(open_statuses))
            .with_for_update(skip_locked=True)
        )
    )


async def shifts_waiting(session: AsyncSession, reason: str) -> list[tuple[date, str, str]]:
    """(day, grid, shift) of the visits waiting for a route for this reason."""
    rows = await session.execute(
        select(PlanVisit.day, PlanVisit.grid_id, PlanVisit.shift)
        .where(PlanVisit.status == "unplanned", PlanVisit.reason == reason)
        .distinct()
    )
    return [(d, g, s) for d, g, s in rows.all()]


async def open_visits_of_shift(
    session: AsyncSession,
    *,
    day: date,
    grid_id: str,
    shift_id: str,
    open_statuses: Sequence[str],
    tasks: Sequence[str],
    after: datetime,
) -> list[PlanVisit]:
    """A grid's shift's open visits still to walk: window not closed by `after`, and every
    case task."""
    return list(
        await session.scalars(
            select(PlanVisit).where(
                PlanVisit.day == day,
                PlanVisit.grid_id == grid_id,
                PlanVisit.shift == shift_id,
                PlanVisit.status.in_(open_statuses),
                or_(PlanVisit.window_end > after, PlanVisit.kind.in_(tasks)),
            )
        )
    )


async def lock_open_visits(
    session: AsyncSession, ids: Sequence[str], *, open_statuses: Sequence[str]
) -> dict[str, PlanVisit]:
    """Those of `ids` still open, locked in one statement and in id order (a check-in locks
    one row, a case's tasks a few: no one waits long, nobody in a circle)."""
    rows = await session.scalars(
        select(PlanVisit)
        .where(PlanVisit.id.in_(ids))
        .order_by(PlanVisit.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {r.id: r for r in rows if r.status in open_statuses}


async def rewrite_visits(session: AsyncSession, values: list[dict[str, Any]]) -> list[PlanVisit]:
    """Set each visit's route fields (one dict per visit, by id, all with the same keys) in one
    statement, and read them back."""
    if not values:
        return []
    await session.execute(update(PlanVisit), values)
    return list(
        await session.scalars(
            select(PlanVisit)
            .where(PlanVisit.id.in_([v["id"] for v in values]))
            .execution_options(populate_existing=True)
        )
    )


async def last_check_in(session: AsyncSession, day: date, badge: str) -> Any:
    """(lat, lon, when) the officer last checked in that day, or None."""
    row = (
        await session.execute(
            select(PlanVisit.lat, PlanVisit.lon, PlanVisit.done_at)
            .where(PlanVisit.day == day, PlanVisit.done_by == badge, PlanVisit.done_at.is_not(None))
            .order_by(PlanVisit.done_at.desc())
            .limit(1)
        )
    ).first()
    return row
