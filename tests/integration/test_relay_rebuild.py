"""A producer that breaks (closed, its sender gone, fenced) is not the rows' fault: the relay
counts nothing against them, builds a new producer and publishes them — against the real
broker and database."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Infra
from tests.helpers import eventually
from tests.integration.test_outbox_and_consumer import (  # noqa: F401 (fixture)
    make_contract,
    read_all,
    topic,
)
from zg_common.db import create_sessionmaker, unit_of_work
from zg_common.kafka import create_producer
from zg_common.outbox import Outbox, OutboxRelay

pytestmark = pytest.mark.integration


async def test_a_broken_producer_is_built_anew_and_blames_no_row(
    engine: AsyncEngine,
    schema: MetaData,
    topic: str,  # noqa: F811
    infra: Infra,
) -> None:
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        await outbox.add(
            session, contract(thing_id="r", at=datetime.now().astimezone()), subject="r"
        )
    broken = create_producer(infra.kafka_bootstrap_servers, client_id="test-broken")
    await broken.start()
    await broken.stop()  # closed: every send raises ProducerClosed
    built: list[AIOKafkaProducer] = []

    async def rebuild() -> AIOKafkaProducer:
        producer = create_producer(infra.kafka_bootstrap_servers, client_id="test-rebuilt")
        await producer.start()
        built.append(producer)
        return producer

    relay = OutboxRelay(engine, broken, outbox, service="test", poll_interval=0.1, rebuild=rebuild)
    table = outbox.table

    async def marked() -> tuple[int, str | None] | None:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(table.c.attempts, table.c.last_error, table.c.published_at)
                )
            ).one()
        return (row.attempts, row.last_error) if row.published_at is not None else None

    running = asyncio.create_task(relay.run())
    try:
        records = await read_all(infra, topic, 1, timeout=30)
        assert len(records) == 1 and len(built) == 1
        # The record on the topic comes before the row's mark: the relay keeps running until
        # it has marked the row (cancelling it in between left the row unmarked — a CI failure).
        attempts, last_error = await eventually(marked, timeout=10, what="the row marked")
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert attempts == 1 and last_error is None, "the broken producer was not the row's fault"
    assert built[0]._closed, "the relay stops the producer it built when it ends"
