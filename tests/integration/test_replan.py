"""An officer drops out mid-shift: the rest of the shift in the grid is planned again for the
colleagues still on it, from where they are; what was done stays as it was."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.contracts.patrol import OfficerTasksAssigned, OfficerTasksPublished
from zg_common.db import unit_of_work
from zg_common.identity import Identity
from zg_patrol.models import OfficerAbsence, PatrolPoint, PlanRun, PlanVisit, outbox
from zg_patrol.plans import replan

pytestmark = pytest.mark.integration

LOCAL = timezone(timedelta(hours=8))
DAY = date(2026, 12, 3)
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=LOCAL)  # mid day shift
LEADER = Identity(sub="sl", role="shift_leader")


async def test_a_drop_out_moves_only_what_is_left(patrol_db: tuple[AsyncEngine, Any]) -> None:
    engine, requirements = patrol_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    shift_end = datetime(2026, 12, 3, 15, 0, tzinfo=LOCAL)
    rows = [  # G07's day shift: ZG062 (drops out) and ZG063
        ("R:done1", "P0565", "ZG062", "done", NOW - timedelta(hours=2)),
        ("R:done2", "P0566", "ZG062", "done", NOW - timedelta(hours=1)),
        ("R:a1", "P0567", "ZG062", "planned", None),
        ("R:a2", "P0568", "ZG062", "planned", None),
        ("R:a3", "P0569", "ZG062", "planned", None),
        ("R:b1", "P0570", "ZG063", "planned", None),
        ("R:gone", "P0571", "ZG062", "missed", None),
    ]
    async with unit_of_work(sessions) as session:
        await session.execute(delete(PlanVisit).where(PlanVisit.day == DAY))
        run = PlanRun(day=DAY, generated_at=NOW, generated_by="t", seconds=0, visits=len(rows),
                      planned=len(rows), length_m=0, unplanned_by_reason={})  # fmt: skip
        session.add(run)
        await session.flush()
        await session.execute(delete(OfficerAbsence).where(OfficerAbsence.day == DAY))
        for n, (vid, point, badge, status, done_at) in enumerate(rows):
            place = await session.get(PatrolPoint, point)
            assert place is not None
            session.add(
                PlanVisit(
                    id=vid, day=DAY, run_id=run.id, grid_id="G07", shift="day", point_id=point,
                    lat=place.lat, lon=place.lon,
                    kind="patrol", window_start=NOW - timedelta(hours=3), window_end=shift_end,
                    officer_badge=badge, seq=n + 1, eta=NOW, status=status,
                    updated_at=NOW, done_at=done_at, done_by=badge if done_at else None,
                )
            )  # fmt: skip
    runtime: Any = SimpleNamespace(
        sessions=sessions, state=SimpleNamespace(requirements=requirements)
    )
    new_run, moved = await replan.drop_out(
        runtime,
        day=DAY,
        badge="ZG062",
        reason="taken ill",
        caller=LEADER,
        now=NOW,
        time_limit_s=0.3,
    )
    assert {v.id for v in moved} == {"R:a1", "R:a2", "R:a3", "R:b1"}
    async with sessions() as session:
        visits = await session.scalars(select(PlanVisit).where(PlanVisit.day == DAY))
        after = {v.id: v for v in visits}
    for done in ("R:done1", "R:done2"):
        assert (after[done].status, after[done].officer_badge) == ("done", "ZG062")
    assert after["R:gone"].status == "missed", "settled visits do not move"
    for vid in ("R:a1", "R:a2", "R:a3", "R:b1"):
        v = after[vid]
        assert v.officer_badge != "ZG062"
        assert (v.officer_badge, v.status) == ("ZG063", "planned") or v.status == "unplanned"
        if v.eta is not None:
            assert v.eta >= NOW and v.run_id == new_run.id
    kept = [v for v in after.values() if v.officer_badge == "ZG063" and v.status == "planned"]
    seqs = sorted(v.seq or 0 for v in kept)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 4

    # each officer of the shift hears: ZG063 the new list, ZG062 that nothing is left
    # (under the event's past-tense name, and its deprecated one until consumers moved)
    for contract in (OfficerTasksAssigned, OfficerTasksPublished):
        async with sessions() as session:
            published = [
                contract.model_validate(payload["data"])
                for payload in await session.scalars(
                    select(outbox.table.c.payload).where(
                        outbox.table.c.event_type == contract.event_type
                    )
                )
            ]
        mine = {t.badge: t for t in published if t.version == new_run.id}
        assert mine["ZG062"].visits == []
        assert {v.visit_id for v in mine["ZG063"].visits} == {v.id for v in kept}

    # the absence holds: planning the shift again later (a case task, say) leaves ZG062 out
    later_run, again = await replan.replan_shift(
        runtime,
        day=DAY,
        grid_id="G07",
        shift_id="day",
        by="t",
        now=NOW + timedelta(minutes=5),
        time_limit_s=0.3,
    )
    assert later_run.id > new_run.id
    assert all(v.officer_badge in ("ZG063", None) for v in again)
