"""The dispatch path's consumers prepare a poll in one statement (`ConsumerSpec.prepare`):
routing reads which reported cases it tracks already, intake's follower locks the cases whose
steps it records — and then no handler reads its case alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.e2e.support import a_free_point
from tests.helpers import statements_of
from tests.integration.conftest import load_data_set
from zg_common.contracts.intake import CaseReported
from zg_common.contracts.routing import CaseTransitioned
from zg_common.db import unit_of_work
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_intake import follow
from zg_intake import service as intake
from zg_intake.models import Case
from zg_intake.schemas import CaseCreate
from zg_routing import repository, service
from zg_routing.models import TrackedCase
from zg_routing.rulebook import Rulebook
from zg_routing.territory import GridIndex

pytestmark = pytest.mark.integration


def reported(case_id: uuid.UUID) -> CloudEvent:
    return CloudEvent.of(
        CaseReported(
            case_id=str(case_id), number=f"PREP-{case_id.hex[:6]}", category="E0403",
            category_kind="event", lat=31.8, lon=117.29, description="prepared",
            source="officer_handset", reported_at=datetime.now(UTC), grid_id="G04",
            zone_type="core",
        ),
        source="/test",
        subject=str(case_id),
    )  # fmt: skip


async def test_routing_reads_which_cases_it_tracks_once_per_poll(
    routing_engine: AsyncEngine, routing_loaded: tuple[Any, Any]
) -> None:
    sessions, clock = routing_loaded
    book, known = Rulebook(), reported(uuid.uuid4())
    async with unit_of_work(sessions) as session:
        grids = GridIndex(await repository.list_grids(session))
        await service.dispatch_reported_case(
            session, known, grids=grids, clock=clock, rulebook=book
        )
    poll = [reported(uuid.uuid4()) for _ in range(3)]
    again = reported(uuid.UUID(known.data["case_id"]))  # the same case under a new event id
    async with unit_of_work(sessions) as session:
        await service.note_reported_cases(session, [*poll, again])
        with statements_of(routing_engine) as seen:
            for one in [*poll, again, poll[0]]:
                await service.dispatch_reported_case(
                    session, one, grids=grids, clock=clock, rulebook=book
                )
        assert not [s for s in seen if "FROM routing.case_state" in s]
    async with sessions() as session:
        tracked = await session.scalars(
            select(TrackedCase).where(
                TrackedCase.case_id.in_([uuid.UUID(e.data["case_id"]) for e in [*poll, known]])
            )
        )
        assert {t.status for t in tracked} == {"dispatched"}  # each once: no key conflict


async def test_intakes_follower_locks_a_polls_cases_in_one_statement(
    intake_engine: AsyncEngine,
) -> None:
    runtime: Any = await load_data_set(intake_engine, "intake")
    reference = runtime.state.reference
    sessions = async_sessionmaker(intake_engine, expire_on_commit=False)
    lon, lat = a_free_point("road")["geometry"]["coordinates"]
    officer = Identity(sub="prepare-officer", role="officer", badge="P-1")
    async with unit_of_work(sessions) as session:
        cases = [
            await intake.report_case(
                session,
                data=CaseCreate(category=c, lat=lat, lon=lon, description="prepared"),
                reference=reference,
                reporter=officer,
            )
            for c in ("E0104", "E0403")
        ]
    steps = [
        CloudEvent.of(
            CaseTransitioned(
                case_id=str(case.id), action=action, from_status=before, to_status=after,
                actor_role="system", at=datetime.now(UTC),
            ),
            source="/zongguan/routing",
            subject=str(case.id),
        )
        for case in cases
        for action, before, after in (
            ("accept", "reported", "accepted"), ("file", "accepted", "filed")
        )
    ]  # fmt: skip
    async with unit_of_work(sessions) as session:
        with statements_of(intake_engine) as seen:
            await follow.lock_followed_cases(session, steps)
            for step in steps:
                await follow.record_transition(session, step, reference=reference)
        reads = [s for s in seen if s.lstrip().startswith("SELECT") and "intake.cases" in s]
        assert len(reads) == 1 and "FOR UPDATE" in reads[0]
    async with sessions() as session:
        rows = await session.scalars(select(Case).where(Case.id.in_([c.id for c in cases])))
        assert {r.status for r in rows} == {"filed"}
