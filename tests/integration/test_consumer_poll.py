"""A poll's records are applied in one transaction whose event ids are recorded in one
statement: each new event once, in order, a copy in the same poll or one applied before not
again, after the spec's `prepare` saw the new ones — against the real database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.conftest import Infra
from tests.integration.test_outbox_and_consumer import (  # noqa: F401 (fixtures)
    applied,
    consumer_for,
    counting_handler,
    make_contract,
    times_applied,
    topic,
)
from zg_common.events import CloudEvent

pytestmark = pytest.mark.integration


def record(name: str, offset: int, event: CloudEvent) -> ConsumerRecord[bytes, bytes]:
    value = event.to_bytes()
    return ConsumerRecord(
        name, 0, offset, 0, 0, (event.subject or "").encode(), value, None, 0, len(value), ()
    )


async def test_a_poll_applies_each_new_event_once_in_order(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,  # noqa: F811
    applied: Table,  # noqa: F811
    infra: Infra,
) -> None:
    contract = make_contract(topic)
    order: list[str] = []
    count = counting_handler(applied)

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        order.append(event.subject or "")
        await count(session, event)

    def event(subject: str) -> CloudEvent:
        return CloudEvent.of(
            contract(thing_id=subject, at=datetime.now().astimezone()),
            source="/test",
            subject=subject,
        )

    async def prepare(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        order.append("prepared " + " ".join(e.subject or "" for e in events))

    a, before, c = event("a"), event("before"), event("c")
    consumer = consumer_for(infra, engine, schema, producer, contract, handler)
    consumer.spec = replace(consumer.spec, prepare=prepare)
    async with engine.begin() as conn:  # `before` was applied by an earlier poll
        await conn.execute(
            text(
                f'INSERT INTO "{schema.schema}".processed_event (consumer, event_id, event_type) '
                "VALUES (:c, :e, :t)"
            ),
            {"c": consumer.group_id, "e": before.id, "t": before.type},
        )
    poll = [record(topic, i, e) for i, e in enumerate((a, before, a, c))]
    try:
        await consumer.handle_batch(poll)
    finally:
        await consumer.stop()  # its Kafka client, made but never started
    # prepared once, before the handlers, with the new events (a copy once)
    assert order == ["prepared a c", "a", "c"], "each new event once, in the poll's order"
    assert await times_applied(engine, applied, "a") == 1
    assert await times_applied(engine, applied, "before") is None
    async with engine.connect() as conn:
        recorded = set(
            (
                await conn.execute(text(f'SELECT event_id FROM "{schema.schema}".processed_event'))
            ).scalars()
        )
    assert recorded == {a.id, before.id, c.id}
