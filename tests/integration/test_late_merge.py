"""A duplicate merged into a case routing had already closed (intake's read model behind: a
lagging consumer, the broker away) is split off and routed as a case of its own when intake
learns of the closure; a report merged before the closure keeps following the closed case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.e2e.support import a_free_point
from tests.integration.conftest import load_data_set
from zg_common.contracts.intake import CaseReported, CaseSplit
from zg_common.contracts.routing import CaseTransitioned
from zg_common.db import unit_of_work
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_intake import follow, service
from zg_intake.models import Case, outbox
from zg_intake.schemas import CaseCreate

pytestmark = pytest.mark.integration

RESIDENT = Identity(sub="late-merge-resident", role="resident")


async def test_a_report_merged_after_the_closure_becomes_a_case_of_its_own(
    intake_engine: AsyncEngine,
) -> None:
    runtime: Any = await load_data_set(intake_engine, "intake")
    reference = runtime.state.reference
    sessions = async_sessionmaker(intake_engine, expire_on_commit=False)
    lon, lat = a_free_point("road")["geometry"]["coordinates"]  # no other test reports there
    report = {"category": "E0104", "lat": lat, "lon": lon}
    async with unit_of_work(sessions) as session:
        parent = await service.report_case(
            session,
            data=CaseCreate(**report, description="late-merge: mud"),
            reference=reference,
            reporter=RESIDENT,
        )
        before = await service.report_case(
            session,
            data=CaseCreate(**report, description="late-merge: mud, before"),
            reference=reference,
            reporter=Identity(sub="late-merge-early", role="resident"),
        )
    closed_at = datetime.now(UTC)
    async with unit_of_work(sessions) as session:
        after = await service.report_case(
            session,
            data=CaseCreate(**report, description="late-merge: mud, after"),
            reference=reference,
            reporter=Identity(sub="late-merge-late", role="resident"),
        )
    assert parent.status == "reported"
    assert (before.status, after.status) == ("merged", "merged")
    assert before.merged_into_id == after.merged_into_id == parent.id

    # routing closed the case at `closed_at`; intake hears of it only now
    step = CaseTransitioned(
        case_id=str(parent.id),
        action="close",
        from_status="checked",
        to_status="closed",
        actor_role="shift_leader",
        at=closed_at,
    )
    event = CloudEvent.of(step, source="/zongguan/routing", subject=str(parent.id))
    async with unit_of_work(sessions) as session:
        await follow.record_transition(session, event, reference=reference)

    async with sessions() as session:
        rows = {
            c.id: c
            for c in await session.scalars(
                select(Case).where(Case.id.in_([parent.id, before.id, after.id]))
            )
        }
        published = [
            (row.event_type, row.key)
            for row in (
                await session.execute(
                    select(outbox.table.c.event_type, outbox.table.c.key).where(
                        outbox.table.c.key == str(after.id)
                    )
                )
            ).all()
        ]
    assert rows[parent.id].status == "closed"
    assert rows[parent.id].report_count == 2, "the early report still counts"
    assert (rows[before.id].status, rows[before.id].merged_into_id) == ("merged", parent.id)
    assert (rows[after.id].status, rows[after.id].merged_into_id) == ("reported", None)
    assert (CaseSplit.event_type, str(after.id)) in published
    assert (CaseReported.event_type, str(after.id)) in published, "routed as its own case"

    # the same closure heard again (the consumer is idempotent by event id; this is a new one)
    later = CloudEvent.of(
        step.model_copy(update={"at": closed_at + timedelta(seconds=1)}),
        source="/zongguan/routing",
        subject=str(parent.id),
    )
    async with unit_of_work(sessions) as session:
        await follow.record_transition(session, later, reference=reference)
    async with sessions() as session:
        again = await session.get(Case, after.id)
    assert again is not None and again.status == "reported"
