"""A merged report's 201 names the case it joined (id, number, status) without reading that
case's history, which grows with every report that joins it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.e2e.support import a_free_point
from tests.helpers import statements_of
from tests.integration.conftest import load_data_set
from zg_common.db import unit_of_work
from zg_common.identity import Identity
from zg_intake import queries, service
from zg_intake.models import Case
from zg_intake.schemas import CaseCreate

pytestmark = pytest.mark.integration


async def test_the_joined_case_is_named_without_its_history(intake_engine: AsyncEngine) -> None:
    runtime: Any = await load_data_set(intake_engine, "intake")
    sessions = async_sessionmaker(intake_engine, expire_on_commit=False)
    lon, lat = a_free_point("road")["geometry"]["coordinates"]
    report = CaseCreate(category="E0104", lat=lat, lon=lon, description="merge path: mud")

    async def report_as(session: AsyncSession, sub: str) -> Case:
        resident = Identity(sub=sub, role="resident")
        reference = runtime.state.reference
        return await service.report_case(
            session, data=report, reference=reference, reporter=resident
        )

    async with unit_of_work(sessions) as session:
        first = await report_as(session, "merge-path-1")
    async with unit_of_work(sessions) as session:
        second = await report_as(session, "merge-path-2")
        with statements_of(intake_engine) as seen:
            joined = await queries.joined(session, second)
        reads = [s for s in seen if s.lstrip().startswith("SELECT")]
        # the case alone (the merge's UPDATE expired it), never its history again
        assert len(reads) <= 1 and not [s for s in reads if "case_status_change" in s]
    assert joined is not None and second.status == "merged"
    assert (joined.id, joined.number, joined.status) == (first.id, first.number, "reported")
    async with sessions() as session:  # read afresh (a replayed request): the case alone
        with statements_of(intake_engine) as seen:
            again = await queries.joined(session, second)
        assert again == joined
        assert not [s for s in seen if "case_status_change" in s]
