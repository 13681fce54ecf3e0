"""Transactional outbox: events written in the caller's transaction, published by a relay.

One relay per schema publishes at a time (a session advisory lock on a connection of its own,
so that the per-key order holds with several replicas). It reads unpublished rows in seq order,
publishes them through an idempotent producer (`acks=all`) with no database transaction open
(the broker away holds nothing in PostgreSQL), waits for the acknowledgements, then marks the
rows published in a short transaction. A crash in between leaves them unpublished, so they are
sent again: delivery is at-least-once and consumers de-duplicate by event id.

One bad row does not stop the outbox: a row the broker refuses for itself (too large, not a
valid event) has its `attempts` and `last_error` counted and is tried again later, while the
rows of other keys go on; rows of its own key wait behind it (their order). After
`max_attempts` it is set aside (`zg_outbox_rows_set_aside`, an ERROR in the log) and its key
goes on. A broker that answers nobody is an outage, not a bad row: nothing is counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy import MetaData, Table, Text, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from zg_common.db import before_commit, to_asyncpg_dsn
from zg_common.events import CloudEvent, EventContract
from zg_common.messaging import outbox_channel, outbox_table
from zg_common.outbox_faults import (
    BROKEN_PRODUCER,
    OUTBOX_BACKLOG_AGE,
    OUTBOX_BATCH_ROWS,
    OUTBOX_FAILURES,
    OUTBOX_PRODUCER_REBUILDS,
    OUTBOX_PUBLISHED,
    OUTBOX_ROW_FAILURES,
    OUTBOX_SET_ASIDE,
    not_the_rows,
    unusable,
)
from zg_common.rows import fetch

log = logging.getLogger(__name__)


class Outbox:
    """The outbox of one service schema. `add` is called inside a unit of work, never commits."""

    def __init__(self, metadata: MetaData, *, source: str) -> None:
        if not metadata.schema:
            raise ValueError("the outbox needs a MetaData with a schema")
        self.schema: str = metadata.schema
        self.table: Table = outbox_table(metadata)
        self.source = source
        self.channel = outbox_channel(self.schema)
        # one statement for a transaction's rows, whatever their number, in their order: an
        # array per column, the payloads JSON text from pydantic (nothing to compile or bind)
        self._insert = (
            f"INSERT INTO {self.table.fullname} (event_id, topic, key, event_type, payload, "
            "headers) SELECT e, t, k, y, p::jsonb, h::jsonb FROM unnest($1::varchar[], "
            "$2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::text[]) "
            "WITH ORDINALITY AS r(e, t, k, y, p, h, n) ORDER BY n"
        )
        self._pending = ("zg_outbox", self.schema)  # the transaction's rows, in session.info

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
        """Write events `(contract, subject)` in the caller's transaction; a renamed type's
        payload also under each name it is still published as. The rows are written when the
        unit of work commits, every event of the transaction in one statement (in the order
        they were added). The events under their own names, in order."""
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
                headers = json.dumps({k: v.decode() for k, v in row.kafka_headers()})
                payload = row.model_dump_json(exclude_none=True)
                rows.append((row.id, contract.topic, subject, row.type, payload, headers))
        if rows:
            pending: list[tuple[str, ...]] = session.info.setdefault(self._pending, [])
            pending.extend(rows)
            before_commit(session, self._pending, partial(self._write, session))
        return written

    async def _write(self, session: AsyncSession) -> None:
        rows = session.info.pop(self._pending, [])
        if rows:
            await fetch(session, self._insert, [list(column) for column in zip(*rows, strict=True)])


AfterPublish = Callable[[Sequence[str]], Awaitable[None]]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


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
        max_attempts: int = 10,
        send_timeout: float = 30.0,
        rebuild: Callable[[], Awaitable[AIOKafkaProducer]] | None = None,
    ) -> None:
        self.engine = engine
        self.producer = producer
        # how to build a new producer when this one breaks (the relay then owns it)
        self.rebuild = rebuild
        self._owned: AIOKafkaProducer | None = None
        self.outbox = outbox
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # After a wake-up, wait this long so that one batch carries the commits that follow
        # closely (fewer round trips under load, a few ms more latency when idle).
        self.linger = linger
        # Test seam: runs after Kafka acknowledged a batch and before it is marked published.
        self.after_publish = after_publish
        self.max_attempts = max_attempts
        self.send_timeout = send_timeout
        self._wake = asyncio.Event()
        self._lock_key = zlib.crc32(f"outbox:{outbox.schema}".encode())
        self._lock_conn: asyncpg.Connection | None = None  # the lock's (held or asked for)
        self._leading = False
        self._retry_at: dict[int, float] = {}  # seq -> when a refused row is tried again

    async def close(self) -> None:
        """Give up the publishing lock (`run` does it when it ends)."""
        if self._lock_conn is not None and not self._lock_conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._lock_conn.close(), 2.0)
        self._lock_conn, self._leading = None, False

    async def _lead(self) -> bool:
        """Whether this relay holds its schema's publishing lock (a session lock on a
        connection of its own). One that does not keeps the connection and asks again on it
        next turn: a waiting replica opens no connection per wake-up."""
        if self._leading and self._lock_conn is not None and not self._lock_conn.is_closed():
            return True
        try:
            if self._lock_conn is None or self._lock_conn.is_closed():
                dsn = to_asyncpg_dsn(self.engine.url.render_as_string(False))
                self._lock_conn = await asyncpg.connect(dsn)
            lock = "SELECT pg_try_advisory_lock($1)"
            self._leading = bool(await self._lock_conn.fetchval(lock, self._lock_key))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self.close()
        return self._leading

    async def publish_batch(self) -> int:
        """Publish up to `batch_size` events; returns how many were published."""
        if not await self._lead():
            return 0
        table = self.outbox.table
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        table.c.seq,
                        table.c.event_id,
                        table.c.topic,
                        table.c.key,
                        # the JSON text as stored: checked, then sent as it is (decoding it
                        # into objects and encoding them again cost more than the send)
                        cast(table.c.payload, Text).label("payload"),
                        table.c.headers,
                        table.c.attempts,
                    )
                    .where(table.c.published_at.is_(None), table.c.attempts < self.max_attempts)
                    .order_by(table.c.seq)
                    .limit(self.batch_size)
                )
            ).all()
        if not rows:
            OUTBOX_BACKLOG_AGE.labels(self.service).set(0)
            return 0
        clock = asyncio.get_running_loop().time()
        waiting: set[str] = set()  # keys with an earlier row failing: theirs wait behind it
        failed: dict[int, str] = {}
        sent: list[tuple[Any, asyncio.Future[Any]]] = []
        # One deadline for the whole batch, not a task per row (`wait_for` makes one): a send
        # that finds room in the producer's buffer does not suspend, so the batch is handed
        # over in one go instead of one row per turn of a loop busy with requests.
        async with asyncio.timeout(self.send_timeout):
            for row in rows:
                if row.key in waiting:
                    continue
                if self._retry_at.get(row.seq, 0.0) > clock:
                    waiting.add(row.key)
                    continue
                try:
                    CloudEvent.model_validate_json(row.payload)  # a row's own fault: refused
                    future = await self.producer.send(
                        row.topic,
                        value=row.payload.encode(),
                        key=row.key.encode(),
                        headers=[(k, str(v).encode()) for k, v in row.headers.items()],
                    )
                except (ValidationError, ValueError, KafkaError) as exc:
                    if not_the_rows(exc):
                        raise
                    failed[row.seq] = _describe(exc)
                    waiting.add(row.key)
                    continue
                sent.append((row, future))
        results = await asyncio.wait_for(
            asyncio.gather(*(f for _, f in sent), return_exceptions=True), self.send_timeout
        )
        published = []
        for (row, _), result in zip(sent, results, strict=True):
            if isinstance(result, BaseException):
                if not_the_rows(result):  # the broker answered nobody, or the producer broke
                    raise result
                failed[row.seq] = _describe(result)
            else:
                published.append(row)
        if self.after_publish is not None:
            await self.after_publish([row.event_id for row in published])
        await self._record(published, failed, {row.seq: row.attempts for row in rows}, clock)
        OUTBOX_PUBLISHED.labels(self.service).inc(len(published))
        OUTBOX_BATCH_ROWS.labels(self.service).observe(len(rows))
        return len(published)

    async def _record(
        self, published: list[Any], failed: dict[int, str], attempts: dict[int, int], now: float
    ) -> None:
        """Mark what was acknowledged published, and count the rows refused, in one short
        transaction."""
        table = self.outbox.table
        async with self.engine.begin() as conn:
            if published:
                await conn.execute(
                    update(table)
                    .where(table.c.seq.in_([row.seq for row in published]))
                    .values(published_at=func.now(), attempts=table.c.attempts + 1)
                )
            for seq, error in failed.items():
                await conn.execute(
                    update(table)
                    .where(table.c.seq == seq)
                    .values(attempts=table.c.attempts + 1, last_error=error[:2000])
                )
        for row in published:
            self._retry_at.pop(row.seq, None)
        for seq, error in failed.items():
            tries = attempts[seq] + 1
            OUTBOX_ROW_FAILURES.labels(self.service).inc()
            if tries >= self.max_attempts:
                OUTBOX_SET_ASIDE.labels(self.service).inc()
                self._retry_at.pop(seq, None)
                log.error(
                    "outbox row set aside after its attempts: its key goes on without it",
                    extra={"service": self.service, "seq": seq, "error": error[:500]},
                )
            else:
                self._retry_at[seq] = now + min(2.0**tries, 300.0)
                log.warning(
                    "outbox row refused; tried again later, its key waits",
                    extra={"service": self.service, "seq": seq, "error": error[:500]},
                )

    async def backlog_age(self) -> float:
        table = self.outbox.table
        async with self.engine.connect() as conn:
            age = await conn.scalar(
                select(func.extract("epoch", func.now() - func.min(table.c.created_at))).where(
                    table.c.published_at.is_(None), table.c.attempts < self.max_attempts
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
                if self.rebuild is not None and unusable(self.producer):
                    await self._replace_producer()
                try:
                    published = await self.publish_batch()
                    backoff = self.poll_interval
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    OUTBOX_FAILURES.labels(self.service).inc()
                    log.warning(
                        "outbox publish failed; will retry",
                        exc_info=True,
                        extra={"retry_in_s": backoff},
                    )
                    if isinstance(exc, BROKEN_PRODUCER) and self.rebuild is not None:
                        await self._replace_producer()
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
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(listener.close(), 2.0)
            if self._owned is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._owned.stop(), 5.0)
            await self.close()

    async def _replace_producer(self) -> None:
        """A new producer for a broken one (the old one stopped, bounded)."""
        assert self.rebuild is not None
        old = self.producer
        with contextlib.suppress(Exception):
            await asyncio.wait_for(old.stop(), 5.0)
        try:
            self.producer = self._owned = await self.rebuild()
        except Exception:
            log.warning("could not build a new producer; will try again", exc_info=True)
            return
        OUTBOX_PRODUCER_REBUILDS.labels(self.service).inc()
        log.warning(
            "the outbox's producer broke and was built anew", extra={"service": self.service}
        )

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
