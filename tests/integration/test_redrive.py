"""Dead letters come back once their cause is fixed (`python -m zg_common.redrive`), against
the real broker and database: listed without moving, sent back once, applied by the group that
had failed, skipped by the groups that had applied them, counted by the gauge until then."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.conftest import Infra
from tests.helpers import eventually
from tests.integration.test_outbox_and_consumer import (  # noqa: F401 (fixtures)
    applied,
    consumer_for,
    counting_handler,
    make_contract,
    running,
    times_applied,
    topic,
)
from zg_common import redrive
from zg_common.consumer import PermanentError, dlq_topic
from zg_common.events import CloudEvent
from zg_common.kafka import end_offsets, group_behind

pytestmark = pytest.mark.integration


async def test_dead_letters_go_back_once_their_cause_is_fixed(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,  # noqa: F811
    applied: Table,  # noqa: F811
    infra: Infra,
) -> None:
    contract = make_contract(topic)
    bootstrap = infra.kafka_bootstrap_servers
    broken = True

    async def strict(session: AsyncSession, event: CloudEvent) -> None:
        if broken and event.subject == "bad":
            raise PermanentError("category c-new is not known yet")
        await counting_handler(applied)(session, event)

    seen_by_other: Counter[str] = Counter()

    async def other(session: AsyncSession, event: CloudEvent) -> None:
        seen_by_other[event.subject or ""] += 1

    for thing in ("ok1", "bad", "ok2"):
        event = CloudEvent.of(
            contract(thing_id=thing, at=datetime.now().astimezone()), source="/t", subject=thing
        )
        await producer.send_and_wait(topic, event.to_bytes(), key=thing.encode())
    failing = consumer_for(infra, engine, schema, producer, contract, strict)
    relaxed = consumer_for(infra, engine, schema, producer, contract, other)
    async with running(failing), running(relaxed):

        async def dead_letters() -> int | None:
            count = (await redrive.waiting(bootstrap, [topic]))[dlq_topic(topic)]
            return count or None

        assert await eventually(dead_letters, timeout=30, what="the dead letter") == 1
        assert await eventually(
            lambda: times_applied(engine, applied, "ok2"), timeout=30, what="ok2"
        )
        listed = await redrive.redrive(bootstrap, [topic], move=False)
        assert listed.waiting == {dlq_topic(topic): 1} and not listed.moved
        assert any("category c-new is not known yet" in r for r in listed.reasons), listed
        assert await dead_letters() == 1, "a listing moves nothing"

        broken = False  # the cause is fixed
        moved = await redrive.redrive(bootstrap, [topic])
        assert moved.moved == {topic: 1}
        assert await eventually(
            lambda: times_applied(engine, applied, "bad"), timeout=30, what="bad applied"
        )
        assert await redrive.waiting(bootstrap, [topic]) == {dlq_topic(topic): 0}
        again = await redrive.redrive(bootstrap, [topic])
        assert not again.moved, "each dead letter goes back once"

        # the redriven event passed by the group that had applied it too, which skipped it
        ends = await end_offsets(bootstrap, [topic])

        async def relaxed_caught_up() -> bool | None:
            return True if await group_behind(bootstrap, relaxed.group_id, ends) == 0 else None

        await eventually(relaxed_caught_up, timeout=30, what="the other group")
    for thing in ("ok1", "bad", "ok2"):
        assert await times_applied(engine, applied, thing) == 1, thing
    assert seen_by_other == {"ok1": 1, "bad": 1, "ok2": 1}, "applied once by each group"
