"""The duplicate search against the real database: category, radius, window and open status,
the nearest candidate, and a plan that uses the GiST index instead of scanning the table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zg_common.db import unit_of_work
from zg_intake import duplicates
from zg_intake.models import Case, Category
from zg_intake.territory import CategoryRef

pytestmark = pytest.mark.integration

LAT, LON = 31.8, 117.3
NORTH_1M = 1 / 111_320
DIRTY_ROAD = CategoryRef("E0104", "event", duplicate_radius_m=50, duplicate_window_h=12)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
async def session(intake_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    sessions = async_sessionmaker(intake_engine, expire_on_commit=False)
    async with unit_of_work(sessions) as setup:
        await setup.execute(delete(Case).where(Case.description.like("dup-search %")))
        for code in ("E0104", "E0402"):
            await setup.merge(
                Category(code=code, kind="event", level="minor", name=code, name_en=code)
            )
    async with sessions() as session:
        yield session
        await session.rollback()


async def add(
    session: AsyncSession,
    label: str,
    *,
    north_m: float = 0,
    category: str = "E0104",
    hours_ago: float = 1,
    status: str = "dispatched",
) -> Case:
    case = Case(
        category=category,
        lat=LAT + north_m * NORTH_1M,
        lon=LON,
        description=f"dup-search {label}",
        source="resident_app",
        status=status,
        reported_at=NOW - timedelta(hours=hours_ago),
    )
    session.add(case)
    await session.flush()
    return case


async def find(session: AsyncSession) -> Case | None:
    return await duplicates.find_open_duplicate(
        session, category=DIRTY_ROAD, lat=LAT, lon=LON, now=NOW
    )


async def test_only_an_open_case_of_the_category_in_radius_and_window_matches(
    session: AsyncSession,
) -> None:
    await add(session, "too far", north_m=60)
    await add(session, "other category", category="E0402")
    await add(session, "too old", hours_ago=13)
    await add(session, "closed", status="closed")
    await add(session, "merged", status="merged")
    assert await find(session) is None
    inside = await add(session, "inside", north_m=45, hours_ago=11.9)
    assert await find(session) == inside
    nearer = await add(session, "nearer", north_m=-20)
    assert await find(session) == nearer


async def test_a_category_without_a_radius_never_merges(session: AsyncSession) -> None:
    await add(session, "right here")
    never = CategoryRef("E0104", "event", duplicate_radius_m=None, duplicate_window_h=None)
    assert (
        await duplicates.find_open_duplicate(session, category=never, lat=LAT, lon=LON, now=NOW)
        is None
    )


async def test_the_search_can_use_the_gist_index(session: AsyncSession) -> None:
    await add(session, "indexed")
    # with few rows a sequential scan is cheaper; forbid it to see that the index can answer
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    query = duplicates.CANDIDATES.params(duplicates.candidate_params(DIRTY_ROAD, LAT, LON, NOW))
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    plan = "\n".join((await session.execute(text("EXPLAIN " + sql))).scalars())
    assert "ix_cases_open_position" in plan, plan
