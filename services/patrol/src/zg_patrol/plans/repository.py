"""Queries of the daily plans: runs, visits, make-ups owed, absences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
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
