"""Reads of the facts behind the officer and grid indicators of a period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from zg_scoring.models import (
    CaseMerge,
    CaseMilestone,
    CaseReport,
    CaseSplit,
    CaseStep,
    Checkin,
    Grid,
    Officer,
    PlannedVisit,
    PointRating,
    ShiftAssignment,
    VisitMissed,
)
from zg_scoring.officers import (
    CaseFacts,
    OfficerFacts,
    OfficerMerge,
    OfficerStep,
    OnShift,
    PatrolMark,
)
from zg_scoring.periods import Period

# a check-in that did the visit (early and late ones with partial credit, but done)
DONE = ("on_time", "early", "late")


def _within(column: QueryableAttribute[Any], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


async def case_facts(session: AsyncSession, period: Period) -> list[CaseFacts]:
    """Cases reported, filed, cancelled or approved as self-handled within the period."""
    m = CaseMilestone
    rows = await session.execute(
        select(
            CaseReport.case_id,
            CaseReport.number,
            CaseReport.grid_id,
            CaseReport.source,
            CaseReport.reporter_badge,
            CaseReport.reported_at,
            m.filed_at,
            m.cancelled_at,
            m.self_handled_at,
        )
        .outerjoin(m, m.case_id == CaseReport.case_id)
        .where(
            or_(
                _within(CaseReport.reported_at, period),
                _within(m.filed_at, period),
                _within(m.cancelled_at, period),
                _within(m.self_handled_at, period),
            )
        )
        .order_by(CaseReport.reported_at, CaseReport.case_id)
    )
    return [CaseFacts(**row) for row in rows.mappings()]


async def officer_facts(session: AsyncSession, period: Period) -> OfficerFacts:
    cases = await case_facts(session, period)
    steps = await session.execute(
        select(
            CaseStep.case_id,
            CaseStep.actor_badge.label("badge"),
            CaseStep.action,
            CaseStep.stage_on_time,
            CaseStep.at,
        ).where(CaseStep.actor_badge.is_not(None), _within(CaseStep.at, period))
    )
    earliest = min((c.reported_at for c in cases), default=period.start)
    shifts = await session.execute(
        select(
            ShiftAssignment.badge,
            ShiftAssignment.grid_id,
            ShiftAssignment.shift_start.label("start"),
            ShiftAssignment.shift_end.label("end"),
        ).where(
            ShiftAssignment.shift_start.is_not(None),
            ShiftAssignment.shift_start < period.end,
            ShiftAssignment.shift_end > earliest,
        )
    )
    public_ids = [c.case_id for c in cases]
    split_later = exists().where(
        CaseSplit.case_id == CaseMerge.case_id, CaseSplit.split_at >= CaseMerge.merged_at
    )
    merges = await session.execute(
        select(
            CaseMerge.case_id,
            CaseMerge.into_case_id,
            CaseMerge.reporter_badge.label("badge"),
            CaseMerge.merged_at,
        ).where(
            CaseMerge.reporter_badge.is_not(None),
            or_(CaseMerge.into_case_id.in_(public_ids), _within(CaseMerge.merged_at, period)),
            ~split_later,
        )
    )
    checkins = await session.execute(
        select(Checkin.badge, func.coalesce(Checkin.visit_id, Checkin.point_id), Checkin.at).where(
            Checkin.outcome == "on_time", Checkin.badge.is_not(None), _within(Checkin.at, period)
        )
    )
    missed = await session.execute(
        select(VisitMissed.badge, VisitMissed.visit_id, VisitMissed.at).where(
            VisitMissed.badge.is_not(None), _within(VisitMissed.at, period)
        )
    )
    return OfficerFacts(
        cases=cases,
        steps=[OfficerStep(**row) for row in steps.mappings()],
        shifts=[OnShift(**row) for row in shifts.mappings()],
        merges=[OfficerMerge(**row) for row in merges.mappings()],
        patrol=[
            PatrolMark(b, "checkin_on_time", ref or "", at) for b, ref, at in checkins.all() if b
        ]
        + [PatrolMark(b, "visit_missed", ref, at) for b, ref, at in missed.all() if b],
    )


async def officers(session: AsyncSession) -> Sequence[Officer]:
    return (await session.scalars(select(Officer).order_by(Officer.id))).all()


async def grids(session: AsyncSession) -> Sequence[Grid]:
    return (await session.scalars(select(Grid).order_by(Grid.id))).all()


async def grids_of_cases(session: AsyncSession, case_ids: Sequence[str]) -> dict[str, str]:
    grid_of: dict[str, str] = {}
    for start in range(0, len(case_ids), 5000):
        rows = await session.execute(
            select(CaseReport.case_id, CaseReport.grid_id).where(
                CaseReport.case_id.in_(case_ids[start : start + 5000]),
                CaseReport.grid_id.is_not(None),
            )
        )
        grid_of.update({case_id: grid for case_id, grid in rows.all() if grid is not None})
    return grid_of


async def visits(session: AsyncSession, period: Period) -> dict[str, tuple[int, int]]:
    """Per grid: patrol visits planned with their window starting in the period, and done."""
    done = exists().where(Checkin.visit_id == PlannedVisit.visit_id, Checkin.outcome.in_(DONE))
    rows = await session.execute(
        select(PlannedVisit.grid_id, func.count(), func.count().filter(done))
        .where(_within(PlannedVisit.window_start, period))
        .group_by(PlannedVisit.grid_id)
    )
    return {grid: (planned, made) for grid, planned, made in rows.all()}


async def point_ratings(session: AsyncSession, period: Period) -> dict[str, list[int]]:
    rows = await session.execute(
        select(PointRating.grid_id, PointRating.score).where(_within(PointRating.at, period))
    )
    out: dict[str, list[int]] = {}
    for grid, score in rows.all():
        out.setdefault(grid, []).append(score)
    return out
