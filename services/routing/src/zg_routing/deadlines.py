"""The deadline watch: a background loop announces, once per run of a case's clock, when 80 %
of its limit is used and when its deadline passes (escalated to the shift leader), and once per
stage when a case waited past the stage's limit for the command centre. The moments and the
flags live in `case_state`: a restart loses none and announces none twice, and several
replicas share the work (SKIP LOCKED)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.contracts.routing import CaseDeadlineApproached, CaseOverdue, CaseStageOverdue
from zg_common.db import unit_of_work
from zg_common.events import EventContract
from zg_routing.models import TrackedCase, outbox
from zg_routing.runtime import RoutingRuntime

BATCH = 200
# announced deadlines, counted once their transaction committed: a surge of `overdue` is the
# alert rule SlaOverdueSurge (deploy/prometheus/alerts.yaml)
DEADLINES = Counter(
    "zg_case_deadlines_total",
    "Case deadlines announced by routing: warned (80 % of the limit), overdue, stage_overdue",
    ["kind"],
)
KIND = {"warned_at": "warned", "overdue_at": "overdue", "stage_overdue_at": "stage_overdue"}


def _disposal(contract: type[CaseDeadlineApproached | CaseOverdue]) -> Announce:
    def event(case: TrackedCase, now: datetime) -> EventContract:
        assert case.due_at is not None
        return contract(
            case_id=str(case.case_id),
            number=case.number,
            department_id=case.department_id,
            due_at=case.due_at,
            at=now,
            grid_id=case.grid_id,
        )

    return event


def _stage(case: TrackedCase, now: datetime) -> EventContract:
    assert case.stage is not None and case.stage_due_at is not None
    return CaseStageOverdue(
        case_id=str(case.case_id),
        number=case.number,
        stage=case.stage,
        grid_id=case.grid_id,
        due_at=case.stage_due_at,
        at=now,
    )


Announce = Callable[[TrackedCase, datetime], EventContract]
# what is announced: the clock that must run, the flag set once, the moment it is due, the event
ANNOUNCEMENTS: tuple[tuple[str, str, str, Announce], ...] = (
    ("clock_started_at", "warned_at", "warn_at", _disposal(CaseDeadlineApproached)),
    ("clock_started_at", "overdue_at", "due_at", _disposal(CaseOverdue)),
    ("stage", "stage_overdue_at", "stage_due_at", _stage),
)


async def check_deadlines(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """Announce what is due now; returns how many announcements were made."""
    announced = 0
    by_kind: dict[str, int] = {}
    async with unit_of_work(sessions) as session:
        for running, flag, moment, announce in ANNOUNCEMENTS:
            due = getattr(TrackedCase, moment)
            cases = await session.scalars(
                select(TrackedCase)
                .where(
                    getattr(TrackedCase, running).is_not(None),  # running clocks only
                    getattr(TrackedCase, flag).is_(None),
                    due <= now,
                )
                .order_by(due)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
            for case in cases:
                setattr(case, flag, now)
                await outbox.add(session, announce(case, now), subject=str(case.case_id))
                announced += 1
                by_kind[KIND[flag]] = by_kind.get(KIND[flag], 0) + 1
    for kind, count in by_kind.items():  # committed
        DEADLINES.labels(kind).inc(count)
    return announced


async def watch(runtime: RoutingRuntime) -> None:
    """Background task of the routing service."""
    interval = runtime.settings.deadline_watch_interval_s
    while True:
        if await check_deadlines(runtime.sessions, now=datetime.now(UTC)) < BATCH:
            await asyncio.sleep(interval)
