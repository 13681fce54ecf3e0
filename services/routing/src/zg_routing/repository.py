"""Queries of the routing schema."""

from __future__ import annotations

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
