"""Outbox relay and idempotent consumer against the real PostgreSQL and Kafka broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, cast

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.conftest import Infra
from tests.helpers import eventually, unique
from zg_common.consumer import (
    ConsumerSpec,
    Handler,
    IdempotentConsumer,
    MissingReference,
    PermanentError,
    dlq_topic,
)
from zg_common.db import create_sessionmaker, unit_of_work
from zg_common.errors import CaseNotFound
from zg_common.events import CloudEvent, EventContract
from zg_common.kafka import ensure_topics
from zg_common.kafka_cluster import TopicPlan
from zg_common.messaging import purge_processed
from zg_common.outbox import Outbox, OutboxRelay

pytestmark = pytest.mark.integration


class ThingHappened(EventContract):
    event_type: ClassVar[str] = "test.thing.happened.v1"
    topic: ClassVar[str] = "test.thing"
    thing_id: str
    at: datetime


def make_contract(topic: str) -> type[ThingHappened]:
    """The test contract on a topic of its own, so tests never see each other's events."""
    return cast(type[ThingHappened], type("ThingHappenedHere", (ThingHappened,), {"topic": topic}))


@pytest.fixture
async def topic(infra: Infra) -> str:
    name = unique("test.thing")
    await ensure_topics(infra.kafka_bootstrap_servers, [name], plan=TopicPlan(partitions=1))
    return name


@pytest.fixture
async def applied(engine: AsyncEngine, schema: MetaData) -> Table:
    """The side effect a handler has: a counter per thing, so a double apply shows."""
    table = Table(
        "applied",
        schema,
        Column("thing_id", String, primary_key=True),
        Column("times", Integer, nullable=False),
    )
    async with engine.begin() as conn:
        await conn.run_sync(table.create)
    return table


def counting_handler(applied: Table):  # type: ignore[no-untyped-def]
    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(
            pg_insert(applied)
            .values(thing_id=event.subject, times=1)
            .on_conflict_do_update(
                index_elements=[applied.c.thing_id], set_={"times": applied.c.times + 1}
            )
        )

    return handle


async def read_all(
    infra: Infra, topic: str, expected: int, *, timeout: float = 20
) -> list[tuple[bytes | None, dict[str, bytes]]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap_servers,
        group_id=unique("reader"),
        auto_offset_reset="earliest",
    )
    await consumer.start()
    out: list[tuple[bytes | None, dict[str, bytes]]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(out) < expected and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out += [(r.value, dict(r.headers or ())) for r in records]
    finally:
        await consumer.stop()
    return out


def consumer_for(
    infra: Infra,
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    contract: type[EventContract],
    handler: Handler,
    *,
    group: str | None = None,
    **options: Any,
) -> IdempotentConsumer:
    """An idempotent consumer of the test's topic in the test's schema."""
    return IdempotentConsumer(
        ConsumerSpec(group or unique("g"), [contract.topic], {contract.event_type: handler}),
        kafka=infra.kafka_bootstrap_servers,
        sessions=create_sessionmaker(engine),
        schema=schema.schema or "",
        producer=producer,
        **options,
    )


@contextlib.asynccontextmanager
async def running(consumer: IdempotentConsumer) -> AsyncIterator[None]:
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def times_applied(engine: AsyncEngine, applied: Table, thing_id: str) -> int | None:
    async with engine.connect() as conn:
        return await conn.scalar(select(applied.c.times).where(applied.c.thing_id == thing_id))


async def test_outbox_event_is_published_and_marked(
    engine: AsyncEngine, schema: MetaData, producer: AIOKafkaProducer, topic: str, infra: Infra
) -> None:
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        event = await outbox.add(
            session,
            contract(thing_id="a", at=datetime.now().astimezone()),
            subject="a",
            correlation_id="corr-1",
        )
    relay = OutboxRelay(engine, producer, outbox, service="test")
    assert await relay.publish_batch() == 1
    assert await relay.publish_batch() == 0
    await relay.close()
    records = await read_all(infra, topic, 1)
    assert len(records) == 1
    value, headers = records[0]
    assert value is not None
    received = CloudEvent.model_validate_json(value)
    assert received.id == event.id
    assert received.type == "test.thing.happened.v1"
    assert received.correlationid == "corr-1"
    assert headers["correlation_id"] == b"corr-1"


async def test_one_relay_publishes_and_a_waiting_one_takes_over_without_new_connections(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two replicas' relays of one schema: the one holding the lock publishes; the other
    publishes nothing, asks again on the connection it keeps (it used to open and close one at
    every turn), and takes over once the first is gone."""
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    first = OutboxRelay(engine, producer, outbox, service="test")
    second = OutboxRelay(engine, producer, outbox, service="test")
    connects = 0
    connect = asyncpg.connect

    async def counted(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        nonlocal connects
        connects += 1
        return await connect(*args, **kwargs)

    monkeypatch.setattr(asyncpg, "connect", counted)

    async def add(thing: str) -> None:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await outbox.add(
                session, contract(thing_id=thing, at=datetime.now().astimezone()), subject=thing
            )

    try:
        await add("c1")
        assert await first.publish_batch() == 1
        await add("c2")
        for _ in range(5):
            assert await second.publish_batch() == 0
        assert connects == 2  # one each, the waiting one's kept across its five turns
        await first.close()
        assert await second.publish_batch() == 1
        assert connects == 2
    finally:
        await first.close()
        await second.close()


async def test_uncommitted_outbox_row_is_never_published(
    engine: AsyncEngine, schema: MetaData, producer: AIOKafkaProducer, topic: str
) -> None:
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    with pytest.raises(RuntimeError):
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await outbox.add(
                session, contract(thing_id="b", at=datetime.now().astimezone()), subject="b"
            )
            raise RuntimeError("the business write failed")
    relay = OutboxRelay(engine, producer, outbox, service="test")
    assert await relay.publish_batch() == 0
    await relay.close()


async def test_relay_crash_between_publish_and_mark_delivers_and_applies_once(
    engine: AsyncEngine,
    database_url: str,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        event = await outbox.add(
            session, contract(thing_id="c", at=datetime.now().astimezone()), subject="c"
        )

    # A real process publishes the batch and is killed (os._exit) before marking it published.
    child = Path(__file__).with_name("relay_crash_child.py")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(child),
        database_url,
        schema.schema or "",
        infra.kafka_bootstrap_servers,
        env=os.environ.copy(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 137, stderr.decode()[-2000:]
    assert json.loads(stdout.decode().strip().splitlines()[-1]) == {"published": [event.id]}
    async with engine.connect() as conn:
        unpublished = await conn.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.published_at.is_(None))
        )
    assert unpublished == 1, "the crash must leave the row unpublished"

    # The restarted relay publishes it again: the topic now holds the same event twice.
    relay = OutboxRelay(engine, producer, outbox, service="test")
    assert await relay.publish_batch() == 1
    await relay.close()
    records = await read_all(infra, topic, 2)
    assert [CloudEvent.model_validate_json(v or b"").id for v, _ in records] == [event.id, event.id]

    consumer = consumer_for(infra, engine, schema, producer, contract, counting_handler(applied))
    async with running(consumer):
        await eventually(lambda: times_applied(engine, applied, "c"), what="the event applied")
        await asyncio.sleep(1.0)  # room for the duplicate to be (wrongly) applied
    assert await times_applied(engine, applied, "c") == 1


async def test_same_event_delivered_twice_changes_state_once(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    contract = make_contract(topic)
    event = CloudEvent.of(
        contract(thing_id="d", at=datetime.now().astimezone()), source="/test", subject="d"
    )
    for _ in range(2):
        await producer.send_and_wait(topic, event.to_bytes(), key=b"d")
    group = unique("g")
    consumer = consumer_for(
        infra, engine, schema, producer, contract, counting_handler(applied), group=group
    )
    async with running(consumer):
        await eventually(lambda: times_applied(engine, applied, "d"), what="the event applied")

        async def both_committed() -> bool:
            committed = await consumer.consumer.committed(
                next(iter(consumer.consumer.assignment()))
            )
            return bool(committed == 2)

        await eventually(both_committed, what="offsets committed past both copies")
    assert await times_applied(engine, applied, "d") == 1
    async with engine.connect() as conn:
        processed = await conn.scalar(
            text(f'SELECT count(*) FROM "{schema.schema}".processed_event')
        )
    assert processed == 1


async def test_undecodable_record_goes_to_dlq_and_consumer_goes_on(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    await ensure_topics(infra.kafka_bootstrap_servers, [topic], plan=TopicPlan(partitions=1))
    contract = make_contract(topic)
    await producer.send_and_wait(topic, b"\x00not json at all", key=b"x")
    await producer.send_and_wait(topic, b'{"specversion": "1.0", "id": "no type"}', key=b"y")
    good = CloudEvent.of(
        contract(thing_id="e", at=datetime.now().astimezone()), source="/test", subject="e"
    )
    await producer.send_and_wait(topic, good.to_bytes(), key=b"e")
    consumer = consumer_for(infra, engine, schema, producer, contract, counting_handler(applied))
    async with running(consumer):
        await eventually(lambda: times_applied(engine, applied, "e"), what="the good event applied")
    dead = await read_all(infra, dlq_topic(topic), 2)
    assert [v for v, _ in dead] == [
        b"\x00not json at all",
        b'{"specversion": "1.0", "id": "no type"}',
    ]
    headers = dead[0][1]
    assert headers["dlq_original_topic"] == topic.encode()
    assert headers["dlq_original_offset"] == b"0"
    assert b"UndecodableEvent" in headers["dlq_exception"]


async def test_failing_handler_is_retried_then_dead_lettered(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    contract = make_contract(topic)
    attempts = 0

    async def flaky(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal attempts
        attempts += 1
        await counting_handler(applied)(session, event)  # written, then rolled back
        raise RuntimeError("the rule table is inconsistent")

    bad = CloudEvent.of(
        contract(thing_id="f", at=datetime.now().astimezone()), source="/test", subject="f"
    )
    await producer.send_and_wait(topic, bad.to_bytes(), key=b"f")
    consumer = consumer_for(
        infra, engine, schema, producer, contract, flaky, max_attempts=3, retry_backoff_s=0.01
    )
    async with running(consumer):
        dead = await read_all(infra, dlq_topic(topic), 1)
    assert attempts == 3
    assert dead[0][1]["dlq_attempts"] == b"3"
    assert await times_applied(engine, applied, "f") is None, "failed attempts must roll back"


@pytest.mark.parametrize(
    "missing",
    [MissingReference("no department d9"), CaseNotFound("no case c9")],
    ids=["missing-reference", "not-found"],
)
async def test_a_handler_that_finds_nothing_is_dead_lettered_without_retries(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    infra: Infra,
    missing: Exception,
) -> None:
    contract = make_contract(topic)
    attempts = 0

    async def looks_up(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal attempts
        attempts += 1
        raise missing

    event = CloudEvent.of(
        contract(thing_id="m", at=datetime.now().astimezone()), source="/test", subject="m"
    )
    await producer.send_and_wait(topic, event.to_bytes(), key=b"m")
    consumer = consumer_for(
        infra, engine, schema, producer, contract, looks_up, max_attempts=5, retry_backoff_s=0.01
    )
    async with running(consumer):
        dead = await read_all(infra, dlq_topic(topic), 1)
    assert attempts == 1, "looking again finds the same nothing"
    assert dead[0][1]["dlq_attempts"] == b"1"


async def test_an_added_field_is_ignored_and_what_a_handler_publishes_names_its_cause(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    """A producer one version ahead adds a field: the consumer applies the event (the field
    ignored), and the event the handler writes to its outbox carries the cause's id."""
    contract = make_contract(topic)
    outbox = Outbox(schema, source="/test")
    parsed: list[ThingHappened] = []

    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        parsed.append(contract.parse(event))
        await counting_handler(applied)(session, event)
        await outbox.add(session, contract(thing_id="reaction", at=event.time), subject="r")

    ahead = CloudEvent(
        source="/test",
        type=contract.event_type,
        subject="x",
        correlationid="corr-x",
        data={"thing_id": "x", "at": "2026-11-30T10:00:00+08:00", "added_in_v1_1": [1, 2]},
    )
    await producer.send_and_wait(topic, ahead.to_bytes(), key=b"x")
    consumer = consumer_for(infra, engine, schema, producer, contract, handle)
    async with running(consumer):
        await eventually(lambda: times_applied(engine, applied, "x"), what="the event applied")
    assert parsed[0].thing_id == "x"
    async with engine.connect() as conn:
        payload = await conn.scalar(select(outbox.table.c.payload))
    assert payload is not None
    assert payload["causationid"] == ahead.id and payload["correlationid"] == "corr-x"
    with pytest.raises(ValueError, match="extra"):
        contract.model_validate(ahead.data)  # producers stay strict


async def test_session_factory_rolls_back_on_error(
    engine: AsyncEngine, schema: MetaData, applied: Table
) -> None:
    sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    with pytest.raises(ValueError, match="boom"):
        async with unit_of_work(sessions) as session:
            await session.execute(applied.insert().values(thing_id="g", times=1))
            raise ValueError("boom")
    assert await times_applied(engine, applied, "g") is None


async def test_notify_wakes_the_relay_without_waiting_for_the_poll(
    engine: AsyncEngine, schema: MetaData, producer: AIOKafkaProducer, topic: str
) -> None:
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    relay = OutboxRelay(engine, producer, outbox, service="test", poll_interval=60)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(1.0)  # the relay has listened and found nothing; it now waits 60 s
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await outbox.add(
                session, contract(thing_id="n", at=datetime.now().astimezone()), subject="n"
            )

        async def published() -> bool:
            async with engine.connect() as conn:
                n = await conn.scalar(
                    select(func.count())
                    .select_from(outbox.table)
                    .where(outbox.table.c.published_at.is_not(None))
                )
            return n == 1

        await eventually(published, timeout=10, what="the relay to be woken by NOTIFY")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_poison_event_in_a_batch_leaves_the_others_applied_once(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    contract = make_contract(topic)
    count = counting_handler(applied)

    async def picky(session: AsyncSession, event: CloudEvent) -> None:
        await count(session, event)
        if event.subject == "poison":
            raise PermanentError("this one can never be applied")

    for subject in ("h1", "poison", "h2"):
        event = CloudEvent.of(
            contract(thing_id=subject, at=datetime.now().astimezone()),
            source="/test",
            subject=subject,
        )
        await producer.send_and_wait(topic, event.to_bytes(), key=subject.encode())
    consumer = consumer_for(infra, engine, schema, producer, contract, picky)
    async with running(consumer):
        dead = await read_all(infra, dlq_topic(topic), 1)
        await eventually(lambda: times_applied(engine, applied, "h2"), what="h2 applied")
    assert [CloudEvent.model_validate_json(v or b"").subject for v, _ in dead] == ["poison"]
    assert await times_applied(engine, applied, "h1") == 1
    assert await times_applied(engine, applied, "h2") == 1
    assert await times_applied(engine, applied, "poison") is None


async def test_housekeeping_purges_only_what_is_old_and_done(
    engine: AsyncEngine, schema: MetaData, producer: AIOKafkaProducer
) -> None:
    outbox = Outbox(schema, source="/test")
    name = schema.schema
    rows = [
        ("old-done", "now() - interval '8 days'"),
        ("old-pending", "NULL"),
        ("new-done", "now()"),
    ]
    async with engine.begin() as conn:
        for event_id, published in rows:
            await conn.execute(
                text(
                    f'INSERT INTO "{name}".outbox (event_id, topic, key, event_type, payload, '
                    f"created_at, published_at) VALUES ('{event_id}', 't', 'k', 'x', '{{}}', "
                    f"now() - interval '8 days', {published})"
                )
            )
        await conn.execute(
            text(
                f'INSERT INTO "{name}".processed_event (consumer, event_id, event_type, '
                "processed_at) VALUES ('c', 'ancient', 'x', now() - interval '31 days'), "
                "('c', 'recent', 'x', now())"
            )
        )
    relay = OutboxRelay(engine, producer, outbox, service="test")
    assert await relay.purge_published(older_than_days=7) == 1
    assert await purge_processed(engine, name or "", older_than_days=30) == 1
    async with engine.connect() as conn:
        left = set((await conn.execute(text(f'SELECT event_id FROM "{name}".outbox'))).scalars())
        kept = set(
            (await conn.execute(text(f'SELECT event_id FROM "{name}".processed_event'))).scalars()
        )
    assert left == {"old-pending", "new-done"}, "an unpublished event is never purged"
    assert kept == {"recent"}


async def test_database_outage_waits_instead_of_dead_lettering(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    contract = make_contract(topic)
    failures = 0

    async def during_outage(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal failures
        if failures < 3:
            failures += 1
            raise ConnectionRefusedError("connection refused (the database is restarting)")
        await counting_handler(applied)(session, event)

    event = CloudEvent.of(
        contract(thing_id="o", at=datetime.now().astimezone()), source="/test", subject="o"
    )
    await producer.send_and_wait(topic, event.to_bytes(), key=b"o")
    consumer = consumer_for(
        infra,
        engine,
        schema,
        producer,
        contract,
        during_outage,
        max_attempts=1,
        retry_backoff_s=0.01,
    )
    async with running(consumer):
        await eventually(
            lambda: times_applied(engine, applied, "o"), what="applied after the outage"
        )
    assert failures == 3
    assert await times_applied(engine, applied, "o") == 1
    dead = await read_all(infra, dlq_topic(topic), 1, timeout=3)
    assert dead == [], "an outage must dead-letter nothing"


async def test_a_consumer_is_ready_only_once_it_joined_its_group(
    engine: AsyncEngine,
    schema: MetaData,
    producer: AIOKafkaProducer,
    topic: str,
    applied: Table,
    infra: Infra,
) -> None:
    contract = make_contract(topic)
    consumer = consumer_for(infra, engine, schema, producer, contract, counting_handler(applied))
    assert not consumer.joined, "not before it ran"
    async with running(consumer):

        async def joined() -> bool:
            return consumer.joined

        await eventually(joined, what="the consumer to join its group")
        assert consumer.consumer.assignment(), "it owns the topic's partition"
        # an event published once it is ready is consumed
        event = CloudEvent.of(
            contract(thing_id="j", at=datetime.now().astimezone()), source="/test", subject="j"
        )
        await producer.send_and_wait(topic, event.to_bytes(), key=b"j")
        await eventually(lambda: times_applied(engine, applied, "j"), what="the event applied")


async def test_a_bad_row_holds_only_its_own_key_and_is_set_aside_after_its_attempts(
    engine: AsyncEngine, schema: MetaData, producer: AIOKafkaProducer, topic: str, infra: Infra
) -> None:
    """One row the broker cannot take (here: not a valid event) no longer stops the outbox:
    the other keys go on, its own key waits behind it, its attempts and error are counted, and
    after its attempts it is set aside and its key goes on."""
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        bad = await outbox.add(
            session, contract(thing_id="p", at=datetime.now().astimezone()), subject="p"
        )
        other = await outbox.add(
            session, contract(thing_id="q", at=datetime.now().astimezone()), subject="q"
        )
        behind = await outbox.add(
            session, contract(thing_id="p", at=datetime.now().astimezone()), subject="p"
        )
    async with unit_of_work(create_sessionmaker(engine)) as session:
        await session.execute(
            outbox.table.update()
            .where(outbox.table.c.event_id == bad.id)
            .values(payload={"not": "an event"})
        )
    relay = OutboxRelay(engine, producer, outbox, service="test", max_attempts=2)

    async def states() -> dict[str, tuple[bool, int, str | None]]:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(
                    outbox.table.c.event_id,
                    outbox.table.c.published_at,
                    outbox.table.c.attempts,
                    outbox.table.c.last_error,
                )
            )
            return {e: (p is not None, a, err) for e, p, a, err in rows}

    assert await relay.publish_batch() == 1, "the other key's event"
    now = await states()
    assert now[other.id][:2] == (True, 1)
    assert now[behind.id][:2] == (False, 0), "waits behind its key's bad row"
    assert now[bad.id][:2] == (False, 1) and "ValidationError" in (now[bad.id][2] or "")
    assert await relay.publish_batch() == 0, "the bad row's next try is not due yet"
    relay._retry_at.clear()  # its backoff over
    assert await relay.publish_batch() == 0, "its second attempt fails too: set aside"
    assert await relay.publish_batch() == 1, "its key goes on without it"
    now = await states()
    assert now[bad.id][:2] == (False, 2) and now[behind.id][:2] == (True, 1)
    assert await relay.backlog_age() == 0, "a set-aside row is no backlog (it is counted)"
    await relay.close()
    records = await read_all(infra, topic, 2)
    received = [CloudEvent.model_validate_json(v or b"").id for v, _ in records]
    assert sorted(received) == sorted([other.id, behind.id])


async def test_the_relay_holds_no_transaction_open_while_it_publishes(
    engine: AsyncEngine, schema: MetaData, producer: AIOKafkaProducer, topic: str
) -> None:
    """With the broker slow or away, nothing of PostgreSQL waits on it: the rows are read,
    the transaction ended, and only then are they sent."""
    outbox = Outbox(schema, source="/test")
    contract = make_contract(topic)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        await outbox.add(
            session, contract(thing_id="t", at=datetime.now().astimezone()), subject="t"
        )
    seen: list[int] = []

    async def while_acknowledged(_: Any) -> None:
        async with engine.connect() as conn:
            seen.append(
                await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state LIKE 'idle in transaction%'"
                    )
                )
                or 0
            )

    relay = OutboxRelay(engine, producer, outbox, service="test", after_publish=while_acknowledged)
    assert await relay.publish_batch() == 1
    await relay.close()
    assert seen == [0]
