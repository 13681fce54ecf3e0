"""The outbox's rows are written when the unit of work commits: every event of a transaction in
one statement, in the order added; nothing when it rolls back; and a session committed around
the unit of work fails loudly instead of dropping them — against the real database."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.helpers import statements_of
from tests.integration.test_outbox_and_consumer import make_contract
from zg_common.db import create_sessionmaker, unit_of_work
from zg_common.outbox import Outbox

pytestmark = pytest.mark.integration


async def test_a_transactions_events_are_one_insert_in_order(
    engine: AsyncEngine, schema: MetaData
) -> None:
    outbox = Outbox(schema, source="/test")
    contract = make_contract("test.at-commit")

    def inserts(seen: list[str]) -> list[str]:
        return [s for s in seen if "outbox" in s and s.lstrip().upper().startswith("INSERT")]

    with statements_of(engine) as seen:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            for subject in ("one", "two", "three"):
                await outbox.add(
                    session, contract(thing_id=subject, at=datetime.now().astimezone()),
                    subject=subject,
                )  # fmt: skip
            assert inserts(seen) == [], "nothing written before the commit"
    statements = inserts(seen)
    assert len(statements) == 1, "the three events in one statement"
    async with engine.connect() as conn:
        keys = (
            await conn.execute(select(outbox.table.c.key).order_by(outbox.table.c.seq))
        ).scalars()
        assert list(keys) == ["one", "two", "three"]


async def test_a_rolled_back_or_directly_committed_session_writes_nothing(
    engine: AsyncEngine, schema: MetaData
) -> None:
    outbox = Outbox(schema, source="/test")
    contract = make_contract("test.at-commit")
    sessions = create_sessionmaker(engine)
    with pytest.raises(ValueError, match="business write"):
        async with unit_of_work(sessions) as session:
            await outbox.add(
                session, contract(thing_id="x", at=datetime.now().astimezone()), subject="x"
            )
            raise ValueError("the business write failed")
    async with sessions() as session:
        await outbox.add(
            session, contract(thing_id="y", at=datetime.now().astimezone()), subject="y"
        )
        with pytest.raises(RuntimeError, match="committed directly"):
            await session.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(select(outbox.table.c.key))).scalars().all() == []
