"""Routing's case tasks (核实 verify, 核查 check) in the officers' routes: a task joins the shift
running when it is asked for and is routed with the patrol visits; the case's next step settles
it; one still open when its shift ends moves to the next shift."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.contracts.patrol import OfficerTasksAssigned
from zg_common.contracts.routing import CaseTaskRequested, CaseTransitioned
from zg_common.db import unit_of_work
from zg_patrol.models import OfficerAbsence, PatrolPoint, PlanRun, PlanVisit, outbox
from zg_patrol.plans import tasks
from zg_patrol.plans.service import AWAITING

pytestmark = pytest.mark.integration

LOCAL = timezone(timedelta(hours=8))
DAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 8, 10, 0, tzinfo=LOCAL)  # G09: four officers on the day shift
GRID = "G09"


async def _fresh_day(sessions: async_sessionmaker[Any]) -> PlanRun:
    """G09's day shift with two patrol visits planned, one per officer."""
    async with unit_of_work(sessions) as session:
        await session.execute(delete(PlanVisit).where(PlanVisit.grid_id == GRID))
        await session.execute(delete(OfficerAbsence).where(OfficerAbsence.day == DAY))
        run = PlanRun(
            day=DAY,
            generated_at=NOW,
            generated_by="t",
            seconds=0,
            visits=2,
            planned=2,
            length_m=0,
            unplanned_by_reason={},
        )
        session.add(run)
        await session.flush()
        points = list(
            await session.scalars(
                select(PatrolPoint).where(PatrolPoint.grid_id == GRID).order_by(PatrolPoint.id)
            )
        )
        for n, (point, badge) in enumerate(zip(points[:2], ("ZG075", "ZG076"), strict=True)):
            session.add(
                PlanVisit(
                    id=f"C:{n}",
                    day=DAY,
                    run_id=run.id,
                    grid_id=GRID,
                    shift="day",
                    point_id=point.id,
                    lat=point.lat,
                    lon=point.lon,
                    kind="patrol",
                    window_start=NOW,
                    window_end=NOW + timedelta(hours=2),
                    officer_badge=badge,
                    seq=1,
                    eta=NOW + timedelta(minutes=30),
                    status="planned",
                    updated_at=NOW,
                )
            )
        return run


async def _officers_of(session: Any) -> list[str]:
    from zg_patrol.models import Officer

    return sorted(
        await session.scalars(
            select(Officer.badge).where(Officer.grid_id == GRID, Officer.shift == "day")
        )
    )


def _task(kind: str, *, at: datetime, due_in: timedelta, place: tuple[float, float]) -> Any:
    return CaseTaskRequested(
        case_id=str(uuid.uuid4()),
        number="ZG2026120800001",
        task=kind,
        category="A0101",
        grid_id=GRID,
        lat=place[0],
        lon=place[1],
        due_at=at + due_in,
        requested_at=at,
    )


async def test_a_task_is_routed_in_time_and_settled_by_the_cases_step(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    engine, requirements = patrol_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    await _fresh_day(sessions)
    runtime: Any = SimpleNamespace(
        sessions=sessions, state=SimpleNamespace(requirements=requirements)
    )
    async with sessions() as session:
        crew = await _officers_of(session)
        first = await session.get(PlanVisit, "C:0")
    assert first is not None and len(crew) >= 2
    place = (first.lat + 0.001, first.lon)  # about 110 m from a planned point
    verify = _task("verify", at=NOW, due_in=timedelta(minutes=30), place=place)

    async with unit_of_work(sessions) as session:
        visit = await tasks.add_task(session, verify, requirements)
    assert visit is not None
    assert (visit.day, visit.shift, visit.status, visit.reason) == (
        DAY,
        "day",
        "unplanned",
        AWAITING,
    )
    assert (visit.kind, visit.case_id, visit.point_id) == ("verify", verify.case_id, None)
    assert visit.window_end == verify.due_at
    async with unit_of_work(sessions) as session:  # the same event again: one task
        await tasks.add_task(session, verify, requirements)

    assert await tasks.route_waiting(runtime, now=NOW, time_limit_s=0.3) == 1
    assert await tasks.route_waiting(runtime, now=NOW, time_limit_s=0.3) == 0
    async with sessions() as session:
        rows = list(
            await session.scalars(select(PlanVisit).where(PlanVisit.case_id == verify.case_id))
        )
        patrol = list(await session.scalars(select(PlanVisit).where(PlanVisit.id.like("C:%"))))
        published = [
            OfficerTasksAssigned.model_validate(payload["data"])
            for payload in await session.scalars(
                select(outbox.table.c.payload).where(
                    outbox.table.c.event_type == OfficerTasksAssigned.event_type
                )
            )
        ]
    assert len(rows) == 1
    routed = rows[0]
    assert routed.status == "planned" and routed.officer_badge in crew
    assert routed.eta is not None and NOW <= routed.eta <= verify.due_at, "within the limit"
    assert all(v.status == "planned" for v in patrol), "the patrol visits stay planned"
    mine = [t for t in published if t.version == routed.run_id and t.badge == routed.officer_badge]
    assert len(mine) == 1
    shown = next(v for v in mine[0].visits if v.visit_id == routed.id)
    assert (shown.kind, shown.case_id, shown.point_id) == ("verify", verify.case_id, None)
    assert (shown.lat, shown.lon) == pytest.approx(place)

    # a step that does not leave verification settles nothing; the officer's answer does
    def step(action: str, source: str, target: str) -> CaseTransitioned:
        return CaseTransitioned(
            case_id=verify.case_id,
            action=action,
            from_status=source,
            to_status=target,
            actor_role="officer",
            at=NOW + timedelta(minutes=20),
            actor_badge="ZG076",
        )

    async with unit_of_work(sessions) as session:
        assert await tasks.settle_tasks(session, step("accept", "reported", "accepted")) == 0
        assert await tasks.settle_tasks(session, step("confirm", "verifying", "reported")) == 1
    async with sessions() as session:
        done = await session.get(PlanVisit, routed.id)
    assert done is not None
    assert (done.status, done.done_at, done.done_by) == (
        "done",
        NOW + timedelta(minutes=20),
        "ZG076",
    )

    # a check task of a case cancelled meanwhile is not walked to
    check = _task("check", at=NOW, due_in=timedelta(minutes=30), place=place)
    async with unit_of_work(sessions) as session:
        await tasks.add_task(session, check, requirements)
        cancel = step("cancel", "checking", "cancelled").model_copy(
            update={"case_id": check.case_id}
        )
        assert await tasks.settle_tasks(session, cancel) == 1
    async with sessions() as session:
        gone = await session.get(PlanVisit, tasks.task_visit_id(check))
    assert gone is not None and gone.status == "cancelled"
    assert await tasks.route_waiting(runtime, now=NOW, time_limit_s=0.3) == 0


async def test_a_task_nobody_can_reach_in_time_is_still_walked_to_in_the_shift(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    engine, requirements = patrol_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    await _fresh_day(sessions)
    runtime: Any = SimpleNamespace(
        sessions=sessions, state=SimpleNamespace(requirements=requirements)
    )
    async with sessions() as session:
        first = await session.get(PlanVisit, "C:0")
    assert first is not None
    far = (first.lat + 0.02, first.lon)  # over 2 km: 40 minutes' walk, due in 10
    urgent = _task("verify", at=NOW, due_in=timedelta(minutes=10), place=far)
    async with unit_of_work(sessions) as session:
        await tasks.add_task(session, urgent, requirements)
    await tasks.route_waiting(runtime, now=NOW, time_limit_s=0.3)
    async with sessions() as session:
        routed = await session.get(PlanVisit, tasks.task_visit_id(urgent))
    assert routed is not None and routed.status == "planned"
    assert routed.eta is not None and routed.eta > urgent.due_at
    assert routed.eta < datetime(2026, 12, 8, 15, 0, tzinfo=LOCAL)


async def test_an_open_task_moves_on_when_its_shift_ends(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    engine, requirements = patrol_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    await _fresh_day(sessions)
    late = _task(
        "check",
        at=NOW + timedelta(hours=4, minutes=20),
        due_in=timedelta(minutes=30),
        place=(31.8, 117.29),
    )
    async with unit_of_work(sessions) as session:
        visit = await tasks.add_task(session, late, requirements)
    assert visit is not None and visit.shift == "day"
    assert visit.window_end == late.due_at

    # asked ten minutes before the day shift ends: the evening shift's from its start
    last_minute = _task(
        "verify",
        at=NOW + timedelta(hours=4, minutes=50),
        due_in=timedelta(minutes=30),
        place=(31.8, 117.29),
    )
    async with unit_of_work(sessions) as session:
        handed = await tasks.add_task(session, last_minute, requirements)
    assert handed is not None and (handed.day, handed.shift) == (DAY, "evening")
    assert handed.window_start == datetime(2026, 12, 8, 15, 0, tzinfo=LOCAL)
    assert handed.window_end == last_minute.due_at

    assert await tasks.carry_over(sessions, requirements, now=NOW + timedelta(hours=4)) == 0
    evening = datetime(2026, 12, 8, 15, 5, tzinfo=LOCAL)
    assert await tasks.carry_over(sessions, requirements, now=evening) == 1
    async with sessions() as session:
        moved = await session.get(PlanVisit, visit.id)
    assert moved is not None
    assert (moved.day, moved.shift, moved.status, moved.reason) == (
        DAY,
        "evening",
        "unplanned",
        AWAITING,
    )
    assert moved.window_start == evening
    assert moved.window_end == datetime(2026, 12, 8, 23, 0, tzinfo=LOCAL)
