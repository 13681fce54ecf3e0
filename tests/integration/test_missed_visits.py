"""Missed visits (漏巡) against the real database: a window that closes without a check-in
marks its visit missed once, however many watchers run; the miss is announced and owes a
make-up visit in the next plan; a late check-in after all cancels the make-up."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.db import unit_of_work
from zg_common.identity import Identity
from zg_patrol.checkin import service as checkin
from zg_patrol.checkin.qr import PointCodes
from zg_patrol.models import MakeupVisit, PatrolPoint, PlanRun, PlanVisit
from zg_patrol.plans.missed import close_windows
from zg_patrol.plans.service import makeups
from zg_patrol.requirements import PointRef

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 12:00 in Hefei
DAY = date(2026, 12, 2)


async def test_a_closed_window_is_missed_once_and_owes_a_makeup(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    engine, requirements = patrol_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with unit_of_work(sessions) as session:
        await session.execute(delete(PlanVisit).where(PlanVisit.point_id == "P0002"))
        await session.execute(delete(MakeupVisit))
        await session.execute(text("DELETE FROM patrol.outbox"))
        run = PlanRun(day=DAY, generated_at=NOW, generated_by="t", seconds=0, visits=4,
                      planned=4, length_m=0, unplanned_by_reason={})  # fmt: skip
        session.add(run)
        await session.flush()
        await session.execute(delete(PlanVisit).where(PlanVisit.id == "X:task"))
        for vid, ends, status in (
            ("X:closed", NOW - timedelta(minutes=5), "planned"),
            ("X:nobody", NOW - timedelta(minutes=5), "unplanned"),
            ("X:open", NOW + timedelta(hours=3), "planned"),  # opens in an hour
            ("X:done", NOW - timedelta(hours=1), "done"),
            # a case task past its limit: routing escalates it, patrol still routes it
            ("X:task", NOW - timedelta(minutes=5), "planned"),
        ):
            task = vid == "X:task"
            session.add(
                PlanVisit(
                    id=vid,
                    day=DAY,
                    run_id=run.id,
                    grid_id="G01",
                    shift="day",
                    point_id=None if task else "P0002",
                    lat=31.8,
                    lon=117.29,
                    kind="verify" if task else "patrol",
                    case_id="00000000-0000-0000-0000-000000000001" if task else None,
                    window_start=ends - timedelta(hours=2),
                    window_end=ends,
                    officer_badge="ZG001" if status != "unplanned" else None,
                    seq=1,
                    eta=None,
                    status=status,
                    updated_at=NOW,
                )
            )

    counts = await asyncio.gather(*(close_windows(sessions, now=NOW) for _ in range(3)))
    assert sum(counts) == 2
    assert await close_windows(sessions, now=NOW) == 0
    async with sessions() as session:
        rows = await session.execute(
            select(PlanVisit.id, PlanVisit.status).where(PlanVisit.point_id == "P0002")
        )
        states = {vid: status for vid, status in rows.all()}
        assert states == {
            "X:closed": "missed",
            "X:nobody": "missed",
            "X:open": "planned",
            "X:done": "done",
        }
        assert (await session.get(PlanVisit, "X:task")).status == "planned"  # type: ignore[union-attr]
        missed = "SELECT key FROM patrol.outbox WHERE event_type = 'patrol.plan.visit_missed.v1'"
        announced = (await session.execute(text(missed))).scalars().all()
        assert sorted(announced) == ["X:closed", "X:nobody"]
        owed = list(await session.scalars(select(MakeupVisit)))
        assert sorted(m.missed_visit_id for m in owed) == ["X:closed", "X:nobody"]

    # the next day's plan owes each a make-up visit, in its day shift
    point = PointRef("P0002", "G01", "scenic", "road", 31.8, 117.29)
    tomorrow = DAY + timedelta(days=1)
    made = makeups(tomorrow, owed, [point], requirements)
    assert {m.origin for m in made} == {"X:closed", "X:nobody"}
    assert all(m.kind == "makeup" and m.shift == "day" and len(m.id) <= 60 for m in made)

    # a late check-in after all: the visit is late, not missed, and owes nothing
    async with sessions() as session:
        p = await session.get(PatrolPoint, "P0002")
        assert p is not None
    codes = PointCodes.from_secret("test-qr-secret")
    async with unit_of_work(sessions) as session:
        late = await checkin.check_in(
            session,
            checkin.Scan(codes.signer.issue("P0002", 0, NOW.date()), p.lat, p.lon, 5, False),
            caller=Identity(sub="acc-1", role="officer", grid_ids=("G01",), badge="ZG001"),
            now=NOW + timedelta(minutes=1),
            requirements=requirements,
            codes=codes,
        )
    assert late.outcome == "late" and late.visit is not None
    assert late.visit.id in ("X:closed", "X:nobody")
    async with sessions() as session:
        left = [m.missed_visit_id for m in await session.scalars(select(MakeupVisit))]
    assert late.visit.id not in left and len(left) == 1
