"""Nothing accepted is lost, nothing is applied twice, when the broker is killed mid-stream.

The oracle of Kafka's own system tests (shared/reference/performance-reliability-kafka.md §4):
every event committed to the outbox ("acked") must be applied exactly once by the consumer,
while the broker is killed with SIGKILL and restarted on the same data in the middle of it.
The broker here is a private one (its own data folder and ports), started from the same jars.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.conftest import REPO
from tests.helpers import eventually, free_port, unique
from zg_common.consumer import ConsumerSpec, IdempotentConsumer
from zg_common.db import create_sessionmaker, unit_of_work
from zg_common.events import CloudEvent, EventContract
from zg_common.kafka import create_producer, ensure_topics
from zg_common.kafka_cluster import TopicPlan
from zg_common.outbox import Outbox, OutboxRelay
from zg_local.kafka import LocalKafka

pytestmark = pytest.mark.integration

EVENTS = 150


class ParcelSent(EventContract):
    event_type: ClassVar[str] = "test.parcel.sent.v1"
    topic: ClassVar[str] = "test.parcel.crash"
    parcel_id: str
    at: datetime


@contextlib.asynccontextmanager
async def private_broker(
    folder: Path,
) -> AsyncIterator[tuple[LocalKafka, Callable[[], Awaitable[None]]]]:
    kafka = LocalKafka(folder, REPO / ".data" / "kafka-libs", free_port(), free_port())
    await asyncio.to_thread(kafka.prepare)
    proc = subprocess.Popen(kafka.command(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    await kafka.wait_ready()

    async def crash_and_restart() -> None:
        nonlocal proc
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        await asyncio.sleep(1.0)
        proc = subprocess.Popen(
            kafka.command(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        await kafka.wait_ready()

    try:
        yield kafka, crash_and_restart
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


async def keep_running(factory: Callable[[], Awaitable[None]]) -> None:
    """What the app builder does for background loops: restart them when they fail."""
    while True:
        try:
            await factory()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            await asyncio.sleep(0.5)


async def test_broker_killed_mid_stream_loses_and_duplicates_nothing(
    engine: AsyncEngine, schema: MetaData, tmp_path: Path
) -> None:
    applied = Table(
        "applied",
        schema,
        Column("parcel_id", String, primary_key=True),
        Column("times", Integer, nullable=False),
    )
    async with engine.begin() as conn:
        await conn.run_sync(applied.create)

    async def apply(session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(
            pg_insert(applied)
            .values(parcel_id=event.subject, times=1)
            .on_conflict_do_update(
                index_elements=[applied.c.parcel_id], set_={"times": applied.c.times + 1}
            )
        )

    sessions = create_sessionmaker(engine)
    outbox = Outbox(schema, source="/test")
    async with private_broker(tmp_path / "kafka") as (kafka, crash_and_restart):
        await ensure_topics(kafka.bootstrap, [ParcelSent.topic], plan=TopicPlan(partitions=3))
        producer = create_producer(kafka.bootstrap, client_id=unique("relay"))
        await producer.start()
        relay = OutboxRelay(engine, producer, outbox, service="test", poll_interval=0.2)
        consumer = IdempotentConsumer(
            ConsumerSpec(unique("g"), [ParcelSent.topic], {ParcelSent.event_type: apply}),
            kafka=kafka.bootstrap,
            sessions=sessions,
            schema=schema.schema or "",
            producer=producer,
            max_attempts=3,
            retry_backoff_s=0.05,
        )
        tasks = [
            asyncio.create_task(keep_running(relay.run)),
            asyncio.create_task(keep_running(consumer.run)),
        ]
        try:
            acked = []
            for i in range(EVENTS):
                async with unit_of_work(sessions) as session:  # committed = accepted
                    await outbox.add(
                        session,
                        ParcelSent(parcel_id=f"p{i}", at=datetime.now().astimezone()),
                        subject=f"p{i}",
                    )
                acked.append(f"p{i}")
                if i == EVENTS // 2:
                    await crash_and_restart()
                await asyncio.sleep(0.01)

            async def all_applied() -> bool:
                async with engine.connect() as conn:
                    n = await conn.scalar(select(func.count()).select_from(applied))
                return n == EVENTS

            try:
                await eventually(all_applied, timeout=120, interval=0.5, what="all applied")
            except AssertionError:
                async with engine.connect() as conn:
                    pending = await conn.scalar(
                        select(func.count())
                        .select_from(outbox.table)
                        .where(outbox.table.c.published_at.is_(None))
                    )
                    done = await conn.scalar(select(func.count()).select_from(applied))
                raise AssertionError(f"{done}/{EVENTS} applied; {pending} unpublished") from None
            await asyncio.sleep(2.0)  # room for a redelivered duplicate to be (wrongly) applied
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await producer.stop()

    async with engine.connect() as conn:
        rows = dict((await conn.execute(select(applied.c.parcel_id, applied.c.times))).all())
    assert set(rows) == set(acked), "an accepted event was lost"
    assert set(rows.values()) == {1}, "an event was applied more than once"
