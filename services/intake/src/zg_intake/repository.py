"""Queries of the intake schema."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zg_intake.models import Case, Category, District


async def get_minor_category(session: AsyncSession, code: str) -> Category | None:
    return await session.scalar(
        select(Category).where(Category.code == code, Category.level == "minor")
    )


async def list_categories(session: AsyncSession) -> list[Category]:
    return list(await session.scalars(select(Category).order_by(Category.code)))


async def get_case(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> Case | None:
    query = select(Case).where(Case.id == case_id).options(selectinload(Case.history))
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def get_district(session: AsyncSession) -> District | None:
    return await session.scalar(select(District).limit(1))
