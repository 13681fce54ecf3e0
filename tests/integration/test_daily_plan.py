"""The platform makes the day's plan nobody has made (and tomorrow's in the evening); a plan
made during the day starts from now: closed windows are neither planned nor owed, officers
walk from now, and a visit whose window closed meanwhile is left to the missed-visit watch.
On a database of its own: it plans the real today."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.conftest import Infra
from tests.integration.conftest import load_data_set, service_database
from zg_common.contracts.patrol import OfficerTasksAssigned
from zg_common.db import unit_of_work
from zg_patrol.models import PlanRun, PlanVisit, outbox
from zg_patrol.plans import service as plans

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def daily_db(infra: Infra) -> AsyncIterator[tuple[AsyncEngine, Any]]:
    async with service_database(infra, "patrol", "zg_patrol_daily") as engine:
        yield engine, await load_data_set(engine, "patrol")


async def test_todays_plan_is_made_once_and_starts_from_now(
    daily_db: tuple[AsyncEngine, Any],
) -> None:
    engine, loaded = daily_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    settings = SimpleNamespace(plan_time_limit_s=0.5, plan_workers=1, auto_plan_ahead_hour=18)
    runtime: Any = SimpleNamespace(sessions=sessions, state=loaded.state, settings=settings)
    requirements = loaded.state.requirements
    started = datetime.now(UTC)
    today = requirements.local_day(started)

    made = await plans.keep_ahead(runtime, now=started)
    evening = started.astimezone(requirements.zone).hour >= 18
    assert made == ([today, today + timedelta(days=1)] if evening else [today])
    assert await plans.keep_ahead(runtime, now=datetime.now(UTC)) == [], "made once"

    async with sessions() as session:
        run = await plans.latest_run(session, today)
        visits = list(await session.scalars(select(PlanVisit).where(PlanVisit.day == today)))
    assert run.generated_by == plans.AUTO_PLANNER
    assert visits, "the rest of today has visits"
    assert all(v.window_end > started for v in visits), "closed windows are not planned"
    assert all(v.eta >= started for v in visits if v.eta), "officers walk from now"

    # a visit whose window closes before a new plan is made stays for the missed-visit watch
    closed = visits[0]
    async with unit_of_work(sessions) as session:
        row = await session.get(PlanVisit, closed.id)
        assert row is not None
        row.window_start = started - timedelta(hours=2)
        row.window_end = started - timedelta(minutes=1)
        row.status = "planned"
    await plans.generate(runtime, today, "test")
    async with sessions() as session:
        kept = await session.get(PlanVisit, closed.id)
        runs = await session.scalar(
            select(func.count()).select_from(PlanRun).where(PlanRun.day == today)
        )
    assert kept is not None and kept.status == "planned" and kept.window_end < started
    assert runs == 2


async def test_two_replicas_make_a_days_plan_once(infra: Infra) -> None:
    """Two patrol replicas wake up together with no plan made: one makes it, the other finds
    it being made and skips — one run, each officer's tasks announced once (before, each
    replica solved the day and announced its own plan)."""
    async with service_database(infra, "patrol", "zg_patrol_replicas") as engine:
        loaded = await load_data_set(engine, "patrol")
        settings = SimpleNamespace(plan_time_limit_s=0.5, plan_workers=1, auto_plan_ahead_hour=18)
        replicas: list[Any] = [
            SimpleNamespace(
                sessions=async_sessionmaker(engine, expire_on_commit=False),
                state=loaded.state,
                settings=settings,
            )
            for _ in range(2)
        ]
        started = datetime.now(UTC)
        made = await asyncio.gather(*(plans.keep_ahead(r, now=started) for r in replicas))
        days = sorted(made[0] + made[1])
        assert days and len(days) == len(set(days)), made
        day_of = outbox.table.c.payload["data"]["day"].astext
        async with engine.connect() as conn:
            runs = dict(
                (await conn.execute(select(PlanRun.day, func.count()).group_by(PlanRun.day))).all()
            )
            announced = (
                await conn.execute(
                    select(outbox.table.c.key, day_of, func.count())
                    .where(outbox.table.c.event_type == OfficerTasksAssigned.event_type)
                    .group_by(outbox.table.c.key, day_of)
                )
            ).all()
        assert runs == dict.fromkeys(days, 1)
        assert announced and all(n == 1 for *_, n in announced), "each officer's tasks once"
