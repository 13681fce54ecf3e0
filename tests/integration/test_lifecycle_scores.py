"""Re-dispatch, rework and extension counted right: one case driven through routing's real
lifecycle (a return and a re-dispatch to another department, an extension, a late disposal,
a failed check and its rework, a hang, an overdue announcement), and routing's published steps
folded by scoring into each department's indicators, against the real databases: the same
numbers whether the steps arrive in order, backwards or twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.authz import Scope
from zg_common.contracts.routing import CaseOverdue, CaseTransitioned, DepartmentChanged
from zg_common.db import unit_of_work
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_routing import workflow
from zg_routing.deadlines import check_deadlines
from zg_routing.models import TrackedCase
from zg_routing.rulebook import Rulebook
from zg_scoring import projection
from zg_scoring import service as scoring
from zg_scoring.models import DERIVED, FACTS
from zg_scoring.periods import parse_period
from zg_scoring.schemas import DepartmentScore

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
    book = Rulebook()
    async with unit_of_work(sessions) as session:
        session.add(tracked)
        await session.flush()
        for action, actor, params, after in steps[:11]:
            await workflow.act(
                session,
                tracked,
                action,
                actor,
                params,
                clock=clock,
                rulebook=book,
                now=START + after,
            )
    # the deadline passes while the clock runs: the watch announces it once
    assert tracked.due_at is not None
    await check_deadlines(sessions, now=tracked.due_at + timedelta(minutes=1))
    async with unit_of_work(sessions) as session:
        again = await session.get(TrackedCase, case_id, with_for_update=True)
        assert again is not None
        for action, actor, params, after in steps[11:]:
            at = START + after
            await workflow.act(
                session, again, action, actor, params, clock=clock, rulebook=book, now=at
            )
        assert (again.returns, again.extensions, again.reworks) == (1, 1, 1)

    async with routing_engine_of(sessions).connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT payload FROM routing.outbox WHERE key = :key "
                "OR payload->>'type' = :department ORDER BY seq"
            ),
            {"key": str(case_id), "department": DepartmentChanged.event_type},
        )
        events = [CloudEvent.model_validate(row[0]) for row in rows]
    assert {e.type for e in events} >= {CaseTransitioned.event_type, CaseOverdue.event_type}

    counted = async_sessionmaker(scoring_engine, expire_on_commit=False)
    december = parse_period("2026-12")
    lines: dict[int, dict[str, DepartmentScore]] = {}
    for arrival in (events, list(reversed(events)), events + events):  # late, shuffled, twice
        async with unit_of_work(counted) as session:
            await session.execute(text("TRUNCATE " + ", ".join(PROJECTIONS)))
            for event in arrival:  # one at a time: each a batch of its own
                await projection.apply(session, [event])
        async with unit_of_work(counted) as session:
            scores = await scoring.department_scores(session, december, Scope(everything=True))
            drill = await scoring.department_cases(
                session, december, "roads-contractor", Scope(everything=True)
            )
        lines[len(lines)] = {x.department_id: x for x in scores.departments}
    assert lines[0] == lines[1] == lines[2]
    green, roads_line = lines[0]["greening-contractor"], lines[0]["roads-contractor"]
    assert (green.returned, green.to_handle, green.composite) == (1, 0, None)
    # the standing disposal is the rework's, in time; the first one (late) was undone
    assert (roads_line.handled, roads_line.handled_on_time, roads_line.overdue_open) == (1, 1, 0)
    assert (roads_line.reworked, roads_line.extended, roads_line.returned, roads_line.closed) == (
        1,
        1,
        0,
        0,
    )
    # 100×.3 + 100×.2 + (100−100)×.2 + (100−0)×.2 + (100−100)×.1
    assert (roads_line.composite, roads_line.band, roads_line.rank) == (70.0, "C", 1)
    assert drill.totals == {"handled": 1, "handled_on_time": 1, "reworked": 1, "extended": 1}
    assert [c.case_id for c in drill.cases] == [str(case_id)]


PROJECTIONS = [f"scoring.{m.__tablename__}" for m in (*FACTS, *DERIVED)]


def routing_engine_of(sessions: async_sessionmaker[Any]) -> AsyncEngine:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine
