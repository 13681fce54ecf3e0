"""Scoring's bulk writes (binary COPY on the session's asyncpg connection) belong to the
session's transaction: committed with it, rolled back with it, and the conflict rules hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests.conftest import Infra
from tests.integration.conftest import service_database
from zg_common.db import unit_of_work
from zg_scoring import bulk
from zg_scoring.models import CaseReport, CaseStep

pytestmark = pytest.mark.integration
AT = datetime(2026, 9, 1, tzinfo=UTC)


def report(case_id: str, number: str, at: datetime) -> dict[str, Any]:
    return {"case_id": case_id, "event_id": f"e-{number}", "number": number,
            "category": "C0101", "grid_id": "G01", "zone_type": "core", "source": "camera",
            "urgency": "normal", "reporter_badge": None, "resolved_on_site": False,
            "reported_at": at}  # fmt: skip


def step(event_id: str) -> dict[str, Any]:
    return {"event_id": event_id, "case_id": "c1", "at": AT, "action": "accept",
            "to_status": "accepted", "department_id": None, "from_department_id": None,
            "due_at": None, "actor_badge": None, "stage_on_time": None}  # fmt: skip


async def test_bulk_writes_commit_and_roll_back_with_the_session(infra: Infra) -> None:
    async with service_database(infra, "scoring", "zg_scoring_bulk") as engine:
        sessions = async_sessionmaker(engine, expire_on_commit=False)

        async def count(table: str) -> int:
            async with unit_of_work(sessions) as session:
                return int(
                    (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                )

        with pytest.raises(RuntimeError):
            async with unit_of_work(sessions) as session:
                await bulk.copy(session, CaseStep.__table__, [step("s1")], on_conflict="DO NOTHING")
                raise RuntimeError("the unit of work fails after the copy")
        assert await count("scoring.case_step") == 0, "rolled back with the session"

        async with unit_of_work(sessions) as session:
            rows = [step("s1"), step("s2")]
            await bulk.copy(session, CaseStep.__table__, rows, on_conflict="DO NOTHING")
            await bulk.copy(session, CaseStep.__table__, rows, on_conflict="DO NOTHING")
        assert await count("scoring.case_step") == 2, "a redelivery adds nothing"

        table = CaseReport.__table__
        for number, at in (("N2", AT + timedelta(hours=1)), ("N1", AT)):  # newer one first
            async with unit_of_work(sessions) as session:
                await bulk.upsert_newest(session, table, [report("c1", number, at)], "reported_at")
        async with unit_of_work(sessions) as session:
            held = (await session.execute(text("SELECT number FROM scoring.case_report"))).all()
        assert held == [("N2",)], "an older report does not replace a newer one"


async def test_large_batches_go_through_a_staging_table_with_the_same_rules(infra: Infra) -> None:
    many = bulk.STAGED + 50
    async with service_database(infra, "scoring", "zg_scoring_staged") as engine:
        sessions = async_sessionmaker(engine, expire_on_commit=False)

        async def count(sql: str) -> int:
            async with unit_of_work(sessions) as session:
                return int((await session.execute(text(sql))).scalar_one())

        steps = [step(f"s{n}") for n in range(many)]
        with pytest.raises(RuntimeError):
            async with unit_of_work(sessions) as session:
                await bulk.copy(session, CaseStep.__table__, steps, on_conflict="DO NOTHING")
                raise RuntimeError("the unit of work fails after the copy")
        assert await count("SELECT count(*) FROM scoring.case_step") == 0

        async with unit_of_work(sessions) as session:  # twice in one transaction, overlapping
            await bulk.copy(session, CaseStep.__table__, steps[:-10], on_conflict="DO NOTHING")
            await bulk.copy(session, CaseStep.__table__, steps[10:], on_conflict="DO NOTHING")
        assert await count("SELECT count(*) FROM scoring.case_step") == many

        table = CaseReport.__table__
        later = AT + timedelta(hours=1)
        async with unit_of_work(sessions) as session:
            await bulk.upsert_newest(
                session, table, [report(f"c{n}", f"L{n}", later) for n in range(many)],
                "reported_at",
            )  # fmt: skip
        async with unit_of_work(sessions) as session:  # older for the even cases, newer for odd
            await bulk.upsert_newest(
                session, table,
                [report(f"c{n}", f"X{n}", AT if n % 2 == 0 else later + timedelta(hours=1))
                 for n in range(many)],
                "reported_at",
            )  # fmt: skip
        assert (
            await count("SELECT count(*) FROM scoring.case_report WHERE number LIKE 'L%'")
            == (many + 1) // 2
        )
        assert await count("SELECT count(*) FROM scoring.case_report WHERE number LIKE 'X%'") == (
            many // 2
        )
        assert await count("SELECT count(*) FROM pg_class WHERE relname LIKE 'zg_stage_%'") == 0


@pytest.mark.parametrize("many", [3, bulk.STAGED + 10], ids=["unnest", "staged"])
async def test_steps_keep_the_order_they_arrived_in_whatever_their_ids(
    infra: Infra, many: int
) -> None:
    """A case's steps of one moment are told apart by `seq`, their arrival order: the rows go
    in as given, not in the order of their keys (the event ids here run backwards), whether
    all are new (a large batch is copied straight in) or one is held already (a redelivery)."""
    async with service_database(infra, "scoring", f"zg_scoring_order_{many}") as engine:
        sessions = async_sessionmaker(engine, expire_on_commit=False)

        async def by_seq() -> list[str]:
            async with unit_of_work(sessions) as session:
                sql = text("SELECT event_id FROM scoring.case_step ORDER BY seq")
                return list((await session.execute(sql)).scalars())

        arrived = [step(f"e{n:04d}") for n in range(many, 0, -1)]
        async with unit_of_work(sessions) as session:
            await bulk.copy(session, CaseStep.__table__, arrived, on_conflict="DO NOTHING")
        assert await by_seq() == [row["event_id"] for row in arrived]

        async with unit_of_work(sessions) as session:
            await session.execute(text("TRUNCATE scoring.case_step"))
        held = arrived[many // 2]
        async with unit_of_work(sessions) as session:
            await bulk.copy(session, CaseStep.__table__, [held], on_conflict="DO NOTHING")
            await bulk.copy(session, CaseStep.__table__, arrived, on_conflict="DO NOTHING")
        assert await by_seq() == [held["event_id"]] + [
            row["event_id"] for row in arrived if row is not held
        ]
