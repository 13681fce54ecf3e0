"""Transactional outbox: events written in the caller's transaction, published by a relay.

The relay claims unpublished rows with `FOR UPDATE SKIP LOCKED`, publishes them through an
idempotent producer (`acks=all`), waits for every acknowledgement and only then marks the rows
published in the same transaction. A crash in between leaves the rows unpublished, so they are
sent again: delivery is at-least-once and consumers de-duplicate by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import MetaData, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from zg_common.db import to_asyncpg_dsn
from zg_common.events import CloudEvent, EventContract
from zg_common.messaging import outbox_channel, outbox_table

log = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter(
    "zg_outbox_published_total", "Events published from the outbox", ["service"]
)
OUTBOX_FAILURES = Counter("zg_outbox_publish_failures_total", "Failed outbox batches", ["service"])
OUTBOX_BACKLOG_AGE = Gauge(
    "zg_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished event", ["service"]
)


class Outbox:
    """The outbox of one service schema. `add` is called inside a unit of work, never commits."""

    def __init__(self, metadata: MetaData, *, source: str) -> None:
        if not metadata.schema:
            raise ValueError("the outbox needs a MetaData with a schema")
        self.schema: str = metadata.schema
        self.table: Table = outbox_table(metadata)
        self.source = source
        self.channel = outbox_channel(self.schema)
        # one statement object, so SQLAlchemy compiles it once and only binds values per call
        self._insert = insert(self.table)

    async def add(
        self,
        session: AsyncSession,
        contract: EventContract,
        *,
        subject: str,
        correlation_id: str | None = None,
    ) -> CloudEvent:
        """Write the event in the caller's transaction; see `add_all`."""
        (event,) = await self.add_all(session, [(contract, subject)], correlation_id=correlation_id)
        return event

    async def add_all(
        self,
        session: AsyncSession,
        events: Sequence[tuple[EventContract, str]],
        *,
        correlation_id: str | None = None,
    ) -> list[CloudEvent]:
        """Write events `(contract, subject)` in the caller's transaction, in one round trip;
        a renamed type's payload also under each name it is still published as. The events
        under their own names, in order."""
        written, rows = [], []
        for contract, subject in events:
            event = CloudEvent.of(
                contract, source=self.source, subject=subject, correlation_id=correlation_id
            )
            written.append(event)
            for row in (
                event,
                *(
                    event.model_copy(update={"id": str(uuid.uuid4()), "type": event_type})
                    for event_type in contract.also_published_as
                ),
            ):
                rows.append(
                    {
                        "event_id": row.id,
                        "topic": contract.topic,
                        "key": subject,
                        "event_type": row.type,
                        "payload": row.model_dump(mode="json", exclude_none=True),
                        "headers": {k: v.decode() for k, v in row.kafka_headers()},
                    }
                )
        if rows:
            await session.execute(self._insert, rows)
        return written


AfterPublish = Callable[[Sequence[str]], Awaitable[None]]


class OutboxRelay:
    """Publishes one schema's outbox to Kafka. One relay publishes at a time (advisory lock),
    which keeps the per-key order that consumers rely on even with several replicas."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        outbox: Outbox,
        *,
        service: str,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        linger: float = 0.005,
        after_publish: AfterPublish | None = None,
    ) -> None:
        self.engine = engine
        self.producer = producer
        self.outbox = outbox
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # After a wake-up, wait this long so that one batch carries the commits that follow
        # closely (fewer round trips under load, a few ms more latency when idle).
        self.linger = linger
        # Test seam: runs after Kafka acknowledged a batch and before it is marked published.
        self.after_publish = after_publish
        self._wake = asyncio.Event()
        self._lock_key = zlib.crc32(f"outbox:{outbox.schema}".encode())

    async def publish_batch(self) -> int:
        """Publish up to `batch_size` events; returns how many were published."""
        table = self.outbox.table
        async with self.engine.begin() as conn:
            locked = await conn.scalar(select(func.pg_try_advisory_xact_lock(self._lock_key)))
            if not locked:
                return 0
            rows = (
                await conn.execute(
                    select(
                        table.c.seq,
                        table.c.event_id,
                        table.c.topic,
                        table.c.key,
                        table.c.payload,
                        table.c.headers,
                    )
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                OUTBOX_BACKLOG_AGE.labels(self.service).set(0)
                return 0
            futures = []
            for row in rows:
                event = CloudEvent.model_validate(row.payload)
                futures.append(
                    await self.producer.send(
                        row.topic,
                        value=event.to_bytes(),
                        key=row.key.encode(),
                        headers=[(k, str(v).encode()) for k, v in row.headers.items()],
                    )
                )
            await asyncio.gather(*futures)
            if self.after_publish is not None:
                await self.after_publish([row.event_id for row in rows])
            await conn.execute(
                update(table)
                .where(table.c.seq.in_([row.seq for row in rows]))
                .values(published_at=func.now(), attempts=table.c.attempts + 1)
            )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def backlog_age(self) -> float:
        table = self.outbox.table
        async with self.engine.connect() as conn:
            age = await conn.scalar(
                select(func.extract("epoch", func.now() - func.min(table.c.created_at))).where(
                    table.c.published_at.is_(None)
                )
            )
        return float(age or 0)

    async def run(self) -> None:
        """Publish until cancelled; woken by NOTIFY, with a short poll as a safety net."""
        listener = await self._listen()
        backoff = self.poll_interval
        try:
            while True:
                self._wake.clear()
                try:
                    published = await self.publish_batch()
                    backoff = self.poll_interval
                except asyncio.CancelledError:
                    raise
                except Exception:
                    OUTBOX_FAILURES.labels(self.service).inc()
                    log.warning(
                        "outbox publish failed; will retry",
                        exc_info=True,
                        extra={"retry_in_s": backoff},
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 30.0)
                    continue
                if published >= self.batch_size:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                    await asyncio.sleep(self.linger)
                if listener is None or listener.is_closed():
                    listener = await self._listen()
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await asyncpg.connect(to_asyncpg_dsn(self.engine.url.render_as_string(False)))
            await conn.add_listener(self.outbox.channel, self._on_notify)
            return conn
        except (OSError, asyncpg.PostgresError):
            log.warning("outbox LISTEN unavailable; polling only", exc_info=True)
            return None

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def purge_published(self, *, older_than_days: int = 7) -> int:
        table = self.outbox.table
        async with self.engine.begin() as conn:
            result = await conn.execute(
                table.delete().where(
                    table.c.published_at < func.now() - func.make_interval(0, 0, 0, older_than_days)
                )
            )
        return int(result.rowcount or 0)
