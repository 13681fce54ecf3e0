"""Re-dispatch, rework and extension counted right: one case driven through routing's real
lifecycle (a return and a re-dispatch to another department, an extension, a late disposal,
a failed check and its rework, a hang, an overdue announcement), and routing's published steps
folded by scoring into each department's base counters, against the real databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.contracts.routing import CaseOverdue, CaseTransitioned
from zg_common.db import unit_of_work
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_routing import workflow
from zg_routing.deadlines import check_deadlines
from zg_routing.models import TrackedCase
from zg_scoring import service as scoring

pytestmark = pytest.mark.integration

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Hefei
DISPATCHER = Identity(sub="d-1", role="dispatcher")
LEADER = Identity(sub="l-1", role="shift_leader")
OPERATOR = Identity(sub="o-1", role="intake_operator")


def staff(department: str) -> Identity:
    return Identity(sub=f"s-{department}", role="department_staff", department_ids=(department,))


def officer(grid: str) -> Identity:
    return Identity(sub=f"o-{grid}", role="officer", grid_ids=(grid,))


async def test_every_step_counts_for_the_department_that_took_it(
    routing_loaded: tuple[Any, Any], scoring_engine: AsyncEngine
) -> None:
    sessions, clock = routing_loaded
    case_id = uuid.uuid4()
    tracked = TrackedCase(
        case_id=case_id, number="CNT-1", category="C0104", source="officer_handset",
        urgency="normal", grid_id="G05", zone_type="core", lat=31.8, lon=117.29,
        status="reported", verified=False, reported_at=START, updated_at=START,
    )  # fmt: skip
    roads, greening = staff("roads-contractor"), staff("greening-contractor")
    steps: list[tuple[str, Identity | None, dict[str, Any], timedelta]] = [
        ("accept", None, {}, timedelta(0)),
        ("file", None, {}, timedelta(0)),
        ("dispatch", None, {"department_id": "greening-contractor"}, timedelta(0)),
        ("request_return", greening, {"reason": "a road cover"}, timedelta(minutes=10)),
        ("approve_return", DISPATCHER, {}, timedelta(minutes=20)),
        ("dispatch", DISPATCHER, {"department_id": "roads-contractor"}, timedelta(minutes=30)),
        ("request_extension", roads, {"reason": "parts", "hours": 4}, timedelta(hours=1)),
        ("approve_extension", DISPATCHER, {}, timedelta(hours=2)),
        ("request_hang", roads, {"reason": "frost"}, timedelta(hours=3)),
        ("approve_hang", LEADER, {}, timedelta(hours=3, minutes=5)),
        ("resume", DISPATCHER, {}, timedelta(hours=4)),
        # disposed a week later: after the deadline
        ("dispose", roads, {"result": "replaced"}, timedelta(days=7)),
        ("request_check", OPERATOR, {}, timedelta(days=7, hours=1)),
        ("fail_check", officer("G05"), {"reason": "wobbles"}, timedelta(days=7, hours=2)),
        # the rework, disposed in time
        ("dispose", roads, {"result": "fixed for good"}, timedelta(days=7, hours=3)),
    ]
    async with unit_of_work(sessions) as session:
        session.add(tracked)
        await session.flush()
        for action, actor, params, after in steps[:11]:
            await workflow.act(
                session, tracked, action, actor, params, clock=clock, now=START + after
            )
    # the deadline passes while the clock runs: the watch announces it once
    assert tracked.due_at is not None
    await check_deadlines(sessions, now=tracked.due_at + timedelta(minutes=1))
    async with unit_of_work(sessions) as session:
        again = await session.get(TrackedCase, case_id, with_for_update=True)
        assert again is not None
        for action, actor, params, after in steps[11:]:
            await workflow.act(
                session, again, action, actor, params, clock=clock, now=START + after
            )
        assert (again.returns, again.extensions, again.reworks) == (1, 1, 1)

    async with routing_engine_of(sessions).connect() as conn:
        rows = await conn.execute(
            text("SELECT payload FROM routing.outbox WHERE key = :key ORDER BY seq"),
            {"key": str(case_id)},
        )
        events = [CloudEvent.model_validate(row[0]) for row in rows]
    handlers = {
        CaseTransitioned.event_type: scoring.count_transition,
        CaseOverdue.event_type: scoring.count_overdue,
    }
    counted = async_sessionmaker(scoring_engine, expire_on_commit=False)
    async with unit_of_work(counted) as session:
        await session.execute(text("TRUNCATE scoring.department_day"))
        for event in events:
            if event.type in handlers:
                await handlers[event.type](session, event)
    async with unit_of_work(counted) as session:
        counts = dict(await scoring.department_counts(session, since=None, until=None))

    zero = dict.fromkeys(counts["roads-contractor"], 0)
    assert counts["greening-contractor"] == {**zero, "dispatched": 1, "returned": 1}
    assert counts["roads-contractor"] == {
        **zero,
        "dispatched": 1,
        "redispatched": 1,
        "extended": 1,
        "hung": 1,
        "overdue": 1,
        "disposed": 2,
        "disposed_on_time": 1,
        "reworked": 1,
    }
    assert set(counts) == {"greening-contractor", "roads-contractor"}


def routing_engine_of(sessions: async_sessionmaker[Any]) -> AsyncEngine:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine
