"""Reads of scoring's tables: the rows behind a period's indicators, and the rules versions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Result, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from zg_scoring import timeline
from zg_scoring.indicators import Rating
from zg_scoring.models import (
    CaseRating,
    CaseReport,
    CaseReturn,
    Department,
    Disposal,
    Hold,
    RulesVersion,
)


def _of(department_id: str | None, column: Any) -> ColumnElement[bool]:
    return column == department_id if department_id is not None else true()


@dataclass
class PeriodRows:
    """The timeline rows that may count in a period (a superset: `indicators.period_cases`
    judges each exactly)."""

    disposals: list[tuple[str, timeline.Disposal]]
    holds: list[tuple[str, timeline.Hold]]
    returns: list[tuple[str, timeline.Return]]
    ratings: list[Rating]


async def period_rows(
    session: AsyncSession, start: datetime, end: datetime, *, department_id: str | None = None
) -> PeriodRows:
    """Disposals and returns within `[start, end)`, holds that span `end`, ratings within."""
    disposals = await session.execute(
        select(
            Disposal.case_id,
            Disposal.department_id,
            Disposal.at,
            Disposal.due_at,
            Disposal.undone_at,
            Disposal.rework,
            Disposal.closed_at,
            Disposal.extended_at,
        )
        .where(Disposal.at >= start, Disposal.at < end, _of(department_id, Disposal.department_id))
        .order_by(Disposal.at, Disposal.case_id)
    )
    holds = await session.execute(
        select(
            Hold.case_id,
            Hold.department_id,
            Hold.from_at,
            Hold.to_at,
            Hold.due_at,
            Hold.hung,
            Hold.extended_at,
        )
        .where(
            Hold.from_at < end,
            or_(Hold.to_at.is_(None), Hold.to_at >= end),
            _of(department_id, Hold.department_id),
        )
        .order_by(Hold.due_at, Hold.case_id)
    )
    returns = await session.execute(
        select(CaseReturn.case_id, CaseReturn.department_id, CaseReturn.at)
        .where(
            CaseReturn.at >= start,
            CaseReturn.at < end,
            _of(department_id, CaseReturn.department_id),
        )
        .order_by(CaseReturn.at, CaseReturn.case_id)
    )
    ratings = await session.execute(
        select(
            CaseRating.case_id,
            CaseRating.department_id,
            CaseRating.grid_id,
            CaseRating.score,
            CaseRating.rated_at.label("at"),
        )
        .where(
            CaseRating.rated_at >= start,
            CaseRating.rated_at < end,
            _of(department_id, CaseRating.department_id),
        )
        .order_by(CaseRating.rated_at, CaseRating.case_id)
    )
    return PeriodRows(
        disposals=_per_case(disposals, timeline.Disposal),
        holds=_per_case(holds, timeline.Hold),
        returns=_per_case(returns, timeline.Return),
        ratings=[Rating(**row) for row in ratings.mappings()],
    )


T = TypeVar("T")


def _per_case(result: Result[*tuple[Any, ...]], cls: Callable[..., T]) -> list[tuple[str, T]]:
    """Rows as (case id, the timeline object of the other columns)."""
    out = []
    for row in result.mappings():
        fields = dict(row)
        out.append((fields.pop("case_id"), cls(**fields)))
    return out


async def departments(session: AsyncSession) -> Sequence[Department]:
    return (await session.scalars(select(Department).order_by(Department.id))).all()


async def case_numbers(session: AsyncSession, case_ids: Sequence[str]) -> dict[str, str]:
    if not case_ids:
        return {}
    rows = await session.execute(
        select(CaseReport.case_id, CaseReport.number).where(CaseReport.case_id.in_(case_ids))
    )
    return {case_id: number for case_id, number in rows.all()}


async def rules_versions(session: AsyncSession) -> Sequence[RulesVersion]:
    return (await session.scalars(select(RulesVersion).order_by(RulesVersion.starts_on))).all()


async def latest_rules_start(session: AsyncSession) -> date | None:
    return await session.scalar(select(func.max(RulesVersion.starts_on)))
