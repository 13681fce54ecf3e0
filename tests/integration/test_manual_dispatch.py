"""With auto-dispatch off, a case waits for people at each step: the intake operator accepts
it, the shift leader files it, the dispatcher dispatches it, the work queue suggesting the
department the rules name; against the real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from zg_common.contracts.intake import CaseReported
from zg_common.db import unit_of_work, write_pending
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_routing import repository, service
from zg_routing.models import TrackedCase
from zg_routing.rulebook import Rulebook
from zg_routing.territory import GridIndex

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)  # routing takes a reported case on at the wall clock's time
OPERATOR = Identity(sub="op", role="intake_operator")
LEADER = Identity(sub="sl", role="shift_leader")
DISPATCHER = Identity(sub="dp", role="dispatcher")


def reported(category: str, grid_id: str, zone_type: str) -> CloudEvent:
    return CloudEvent.of(
        CaseReported(
            case_id=str(uuid.uuid4()), number=f"MAN-{uuid.uuid4().hex[:6]}", category=category,
            category_kind="event", lat=31.8, lon=117.29, description="by hand",
            source="officer_handset", reported_at=NOW, grid_id=grid_id, zone_type=zone_type,
        ),
        source="/test",
        subject="case",
    )  # fmt: skip


async def test_each_step_waits_for_its_person_and_the_queue_suggests(
    routing_loaded: tuple[Any, Any],
) -> None:
    sessions, clock = routing_loaded
    rulebook = Rulebook()
    event = reported("E0403", "G04", "core")
    case_id = uuid.UUID(event.data["case_id"])
    async with unit_of_work(sessions) as session:
        grids = GridIndex(await repository.list_grids(session))
        await service.dispatch_reported_case(
            session, event, grids=grids, clock=clock, rulebook=rulebook, auto_dispatch=False
        )
    async with unit_of_work(sessions) as session:
        tracked = await session.get(TrackedCase, case_id)
        assert tracked is not None and tracked.status == "reported"
        # the operator has the stage limit (30 min for a normal case) to accept it
        assert tracked.stage == "accept"
        assert tracked.stage_due_at == tracked.updated_at + timedelta(minutes=30)

        async def step(action: str, who: Identity, **params: Any) -> service.QueueItem:
            return await service.act_on_case(
                session, case_id=case_id, action=action, params=params, caller=who,
                clock=clock, rulebook=rulebook, now=NOW, auto_dispatch=False,
            )  # fmt: skip

        accepted = await step("accept", OPERATOR)
        assert accepted.case.status == "accepted" and accepted.suggested_department_id is None
        filed = await step("file", LEADER)
        assert filed.case.status == "filed" and filed.case.stage == "dispatch"
        queue = await service.work_queue(
            session, caller=DISPATCHER, clock=clock, rulebook=rulebook, limit=500, now=NOW
        )
        mine = next(i for i in queue if i.case.case_id == case_id)
        assert "dispatch" in mine.actions
        assert mine.suggested_department_id == "traffic-police"  # the rules' choice for parking
        late = NOW + timedelta(minutes=45)  # the dispatch stage's 30 minutes ran out
        done = await service.act_on_case(
            session, case_id=case_id, action="dispatch",
            params={"department_id": mine.suggested_department_id}, caller=DISPATCHER,
            clock=clock, rulebook=rulebook, now=late, auto_dispatch=False,
        )  # fmt: skip
        assert done.case.status == "dispatched" and done.case.due_at is not None
        assert done.suggested_department_id is None
        assert done.case.stage is None and done.case.stage_due_at is None
        await write_pending(session)  # the transaction's events are written at its commit
        steps = (
            await session.execute(
                text(
                    "SELECT payload->'data'->>'action', payload->'data'->'stage_on_time' "
                    "FROM routing.outbox WHERE key = :key "
                    "AND event_type = 'routing.case.transitioned.v1' ORDER BY seq"
                ),
                {"key": str(case_id)},
            )
        ).all()
        assert [(a, t) for a, t in steps] == [
            ("accept", True),
            ("file", True),
            ("dispatch", False),
        ]
