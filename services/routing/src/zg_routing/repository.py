"""Queries of the routing schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import MissingReference
from zg_routing.lifecycle import TERMINAL
from zg_routing.models import (
    Department,
    Grid,
    RoutingRule,
    RoutingSetting,
    TrackedCase,
)

_TRACKED = "zg_routing_tracked"  # session.info: case id -> tracked already, for a poll


async def note_tracked(session: AsyncSession, case_ids: Iterable[uuid.UUID]) -> None:
    """Read in one statement which of these cases routing tracks already, for `is_tracked`."""
    wanted = list(set(case_ids))
    if not wanted:
        return
    found = set(
        await session.scalars(select(TrackedCase.case_id).where(TrackedCase.case_id.in_(wanted)))
    )
    session.info.setdefault(_TRACKED, {}).update({i: i in found for i in wanted})


async def is_tracked(session: AsyncSession, case_id: uuid.UUID) -> bool:
    """Whether routing tracks the case (as noted for the poll, or read now)."""
    known: dict[uuid.UUID, bool] = session.info.get(_TRACKED, {})
    if case_id in known:
        return known[case_id]
    return await session.get(TrackedCase, case_id) is not None


def track(session: AsyncSession, tracked: TrackedCase) -> None:
    """Add a newly tracked case (written at the commit, with its final state)."""
    session.add(tracked)
    session.info.setdefault(_TRACKED, {})[tracked.case_id] = True


async def fallback_department_id(session: AsyncSession) -> str:
    setting = await session.get(RoutingSetting, 1)
    if setting is None:
        raise MissingReference("routing has no fallback department configured")
    return setting.fallback_department_id


async def get_department(session: AsyncSession, department_id: str) -> Department | None:
    return await session.get(Department, department_id)


async def list_departments(session: AsyncSession) -> list[Department]:
    return list(await session.scalars(select(Department).order_by(Department.id)))


async def list_grids(session: AsyncSession) -> list[Grid]:
    return list(await session.scalars(select(Grid).order_by(Grid.id)))


async def list_rules(
    session: AsyncSession, *, category: str | None, department_id: str | None
) -> list[RoutingRule]:
    query = select(RoutingRule).order_by(RoutingRule.id)
    if category:
        query = query.where(RoutingRule.category == category)
    if department_id:
        query = query.where(RoutingRule.department_id == department_id)
    return list(await session.scalars(query))


async def open_cases(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    limit: int,
    placed: bool = False,
) -> list[TrackedCase]:
    """Open cases the caller sees (`placed`: those with coordinates), the earliest deadline
    first (cases without one after), then the oldest."""
    query = select(TrackedCase).where(TrackedCase.status.not_in(TERMINAL), visible)
    if placed:
        query = query.where(TrackedCase.lat.is_not(None), TrackedCase.lon.is_not(None))
    query = query.order_by(
        TrackedCase.due_at.asc().nulls_last(), TrackedCase.reported_at, TrackedCase.case_id
    )
    return list(await session.scalars(query.limit(limit)))
