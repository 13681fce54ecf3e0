"""Queries of the patrol schema."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from zg_patrol.models import Grid, Officer, OfficerAbsence, PatrolPoint, Route, ZoneType


async def list_zone_types(session: AsyncSession) -> list[ZoneType]:
    return list(await session.scalars(select(ZoneType).order_by(ZoneType.id)))


async def list_grids(session: AsyncSession, *, zone_type: str | None = None) -> list[Grid]:
    query = select(Grid).order_by(Grid.id)
    if zone_type:
        query = query.where(Grid.zone_type == zone_type)
    return list(await session.scalars(query))


async def get_grid(session: AsyncSession, grid_id: str) -> Grid | None:
    return await session.get(Grid, grid_id)


async def list_points(
    session: AsyncSession,
    *,
    grid_id: str | None,
    object_type: str | None,
    after: str | None,
    limit: int,
) -> list[PatrolPoint]:
    query = select(PatrolPoint).where(PatrolPoint.retired_at.is_(None))
    query = query.order_by(PatrolPoint.id).limit(limit)
    if grid_id:
        query = query.where(PatrolPoint.grid_id == grid_id)
    if object_type:
        query = query.where(PatrolPoint.object_type == object_type)
    if after:
        query = query.where(PatrolPoint.id > after)
    return list(await session.scalars(query))


async def points_by_id(session: AsyncSession, ids: list[str]) -> list[PatrolPoint]:
    return list(await session.scalars(select(PatrolPoint).where(PatrolPoint.id.in_(ids))))


async def list_routes(session: AsyncSession, *, grid_id: str | None) -> list[Route]:
    query = select(Route).order_by(Route.id)
    if grid_id:
        query = query.where(Route.grid_id == grid_id)
    return list(await session.scalars(query))


async def list_officers(
    session: AsyncSession, *, grid_id: str | None, shift: str | None
) -> list[Officer]:
    query = select(Officer).where(Officer.retired_at.is_(None)).order_by(Officer.badge)
    if grid_id:
        query = query.where(Officer.grid_id == grid_id)
    if shift:
        query = query.where(Officer.shift == shift)
    return list(await session.scalars(query))


async def absences_of(session: AsyncSession, badge: str, since: date) -> list[OfficerAbsence]:
    return list(
        await session.scalars(
            select(OfficerAbsence)
            .where(OfficerAbsence.badge == badge, OfficerAbsence.day >= since)
            .order_by(OfficerAbsence.from_at)
        )
    )


async def next_point_number(session: AsyncSession) -> int:
    """The next free point number, one numbering at a time (ids and codes are sequential)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('patrol.point_id'))"))
    last_id = await session.scalar(select(func.max(PatrolPoint.id)))
    return int(last_id[1:]) + 1 if last_id else 1


async def point_codes(session: AsyncSession, grid_id: str) -> list[str]:
    return list(
        await session.scalars(select(PatrolPoint.code).where(PatrolPoint.grid_id == grid_id))
    )


async def routes_of_grid(session: AsyncSession, grid_id: str) -> list[Route]:
    return list(await session.scalars(select(Route).where(Route.grid_id == grid_id)))
