"""The deadline watch against the real database: each announcement once per run of the clock,
however many watchers run at once (replicas, a restart mid-way); paused clocks stay silent."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.db import unit_of_work
from zg_routing.deadlines import check_deadlines
from zg_routing.models import TrackedCase

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ANNOUNCED = "SELECT event_type, key FROM routing.outbox WHERE event_type LIKE 'routing.case.%'"


def tracked(label: str, **clock: object) -> TrackedCase:
    return TrackedCase(
        case_id=uuid.uuid4(),
        number=f"WATCH-{label}",
        category="E0104",
        source="officer_handset",
        urgency="normal",
        status="dispatched",
        department_id="roads-contractor",
        calendar_id="24x7",
        limit_minutes=240,
        reported_at=NOW - timedelta(hours=5),
        updated_at=NOW,
        **clock,
    )


async def announcements(engine: AsyncEngine) -> dict[str, list[str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(ANNOUNCED))
        out: dict[str, list[str]] = {}
        for kind, subject in rows:
            out.setdefault(subject, []).append(kind.split(".")[2])
        return out


async def test_each_deadline_is_announced_once_however_many_watch(
    routing_engine: AsyncEngine,
) -> None:
    sessions = async_sessionmaker(routing_engine, expire_on_commit=False)
    started = NOW - timedelta(hours=5)
    cases = {
        "overdue": tracked(
            "overdue",
            clock_started_at=started,
            warn_at=NOW - timedelta(hours=2),
            due_at=NOW - timedelta(hours=1),
        ),
        "near": tracked(
            "near",
            clock_started_at=started,
            warn_at=NOW - timedelta(minutes=5),
            due_at=NOW + timedelta(hours=1),
        ),
        "fresh": tracked(
            "fresh",
            clock_started_at=NOW,
            warn_at=NOW + timedelta(hours=3),
            due_at=NOW + timedelta(hours=4),
        ),
        "hung": tracked(  # paused: its clock does not run, nothing to announce
            "hung",
            clock_started_at=None,
            paused_at=NOW - timedelta(hours=3),
            warn_at=NOW - timedelta(hours=2),
            due_at=NOW - timedelta(hours=1),
        ),
        "told": tracked(  # announced before a restart
            "told",
            clock_started_at=started,
            warn_at=NOW - timedelta(hours=2),
            warned_at=NOW - timedelta(hours=2),
            due_at=NOW - timedelta(hours=1),
            overdue_at=NOW - timedelta(hours=1),
        ),
    }
    async with unit_of_work(sessions) as session:
        await session.execute(text("DELETE FROM routing.outbox"))
        await session.execute(delete(TrackedCase).where(TrackedCase.number.like("WATCH-%")))
        session.add_all(cases.values())

    def counted(kind: str) -> float:
        value = REGISTRY.get_sample_value("zg_case_deadlines_total", {"kind": kind})
        return value or 0.0

    before = {kind: counted(kind) for kind in ("warned", "overdue")}
    counts = await asyncio.gather(*(check_deadlines(sessions, now=NOW) for _ in range(4)))
    assert sum(counts) == 3, "warn + overdue for the overdue case, warn for the near one"
    assert await check_deadlines(sessions, now=NOW) == 0, "a second pass finds nothing new"
    # what the SLA alert reads: each announcement counted once, by kind
    assert counted("warned") - before["warned"] == 2
    assert counted("overdue") - before["overdue"] == 1

    said = await announcements(routing_engine)
    assert sorted(said[str(cases["overdue"].case_id)]) == ["deadline_approached", "overdue"]
    assert said[str(cases["near"].case_id)] == ["deadline_approached"]
    for quiet in ("fresh", "hung", "told"):
        assert str(cases[quiet].case_id) not in said, quiet
    async with sessions() as session:
        flagged = await session.scalar(
            select(func.count())
            .select_from(TrackedCase)
            .where(TrackedCase.number.like("WATCH-%"), TrackedCase.overdue_at == NOW)
        )
    assert flagged == 1


async def test_a_stage_that_ran_over_is_escalated_once(routing_engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(routing_engine, expire_on_commit=False)
    waiting = tracked("stage-late", stage="dispatch", stage_due_at=NOW - timedelta(minutes=1))
    waiting.status, waiting.department_id, waiting.calendar_id = "filed", None, None
    moved_on = tracked("stage-done", stage=None, stage_due_at=None)
    in_time = tracked("stage-early", stage="file", stage_due_at=NOW + timedelta(minutes=5))
    in_time.status = "accepted"
    async with unit_of_work(sessions) as session:
        session.add_all([waiting, moved_on, in_time])

    watchers = await asyncio.gather(*(check_deadlines(sessions, now=NOW) for _ in range(3)))
    assert sum(watchers) >= 1
    assert await check_deadlines(sessions, now=NOW) == 0
    said = await announcements(routing_engine)
    assert said[str(waiting.case_id)] == ["stage_overdue"]
    assert str(moved_on.case_id) not in said and str(in_time.case_id) not in said
    async with routing_engine.connect() as conn:
        payload = await conn.scalar(
            text(
                "SELECT payload FROM routing.outbox WHERE key = :key "
                "AND event_type = 'routing.case.stage_overdue.v1'"
            ),
            {"key": str(waiting.case_id)},
        )
    assert payload["data"]["stage"] == "dispatch"
    assert payload["data"]["escalated_to"] == "shift_leader"
