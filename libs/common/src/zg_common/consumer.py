"""Idempotent Kafka consumer: DB commit first, then the offset; bounded retries, then `<topic>.dlq`.

For each record: decode the CloudEvent; in one transaction insert `(consumer, event_id)` into the
`processed_event` table and run the handler; commit; then commit the offset. A redelivered event
finds its row and changes nothing. An undecodable record or an invalid payload goes straight to
the dead-letter topic; a handler that keeps failing goes there after `max_attempts`.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord
from aiokafka.errors import CommitFailedError, IllegalStateError
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common import brake
from zg_common.consumer_lag import LagWatch
from zg_common.consumer_spec import EVENTS_PROCESSED, POLL_RECORDS, fetch_settings
from zg_common.consumer_spec import FOLLOWER_GATHER_MS as FOLLOWER_GATHER_MS
from zg_common.consumer_spec import BatchHandler as BatchHandler
from zg_common.consumer_spec import ConsumerSpec as ConsumerSpec
from zg_common.consumer_spec import Handler as Handler
from zg_common.consumer_spec import dlq_topic as dlq_topic
from zg_common.consumer_spec import subject_ids as subject_ids
from zg_common.db import unit_of_work
from zg_common.events import (
    HEADER_CORRELATION_ID,
    HEADER_EVENT_TYPE,
    HEADER_REQUEST_ID,
    CloudEvent,
    UndecodableEvent,
    decode_event,
)
from zg_common.handler_errors import PERMANENT as PERMANENT
from zg_common.handler_errors import MalformedEvent as MalformedEvent
from zg_common.handler_errors import MissingReference as MissingReference
from zg_common.handler_errors import PermanentError as PermanentError
from zg_common.handler_errors import event_uuid as event_uuid
from zg_common.handler_errors import is_outage as is_outage
from zg_common.kafka_cluster import Kafka, cluster_of
from zg_common.logging import causation_id_var, correlation_id_var, request_id_var
from zg_common.messaging import processed_event_table

log = logging.getLogger(__name__)


class _GroupMembership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Tells when the consumer has joined its group (an assignment arrived, possibly empty when
    other replicas own every partition): before that, events wait in the broker."""

    def __init__(self) -> None:
        self.joined = asyncio.Event()

    async def on_partitions_revoked(self, revoked: object) -> None:
        return None

    async def on_partitions_assigned(self, assigned: object) -> None:
        self.joined.set()


class IdempotentConsumer:
    def __init__(
        self,
        spec: ConsumerSpec,
        *,
        kafka: Kafka,
        sessions: async_sessionmaker[AsyncSession],
        schema: str,
        producer: AIOKafkaProducer,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.2,
        group_id: str | None = None,
        pause_after: int = brake.AFTER,
        pause_s: float = brake.PAUSE_S,
    ) -> None:
        self.spec = spec
        self.group_id = group_id or spec.name
        self.brake = brake.DeadLetterBrake(self.group_id, after=pause_after, pause_s=pause_s)
        self.lag = LagWatch(self.group_id)
        self.sessions = sessions
        self.producer = producer
        self.max_attempts = max_attempts
        self.retry_backoff_s = retry_backoff_s
        self.processed = processed_event_table(MetaData(schema=schema))
        # built once: compiled once, bound per event
        # one statement for a whole poll's ids, prepared once whatever their number
        self._mark_processed = text(
            f'INSERT INTO "{schema}".processed_event (consumer, event_id, event_type) '
            "SELECT :consumer, e.id, e.type "
            "FROM unnest(CAST(:event_ids AS text[]), CAST(:event_types AS text[])) AS e(id, type) "
            "ON CONFLICT DO NOTHING RETURNING event_id"
        )
        self.kafka = cluster_of(kafka)
        self.consumer = self._new_client()
        self.started = asyncio.Event()

    def _new_client(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            **self.kafka.client(),
            group_id=self.group_id,
            client_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            **fetch_settings(self.spec),
        )
        self.membership = _GroupMembership()
        consumer.subscribe(list(self.spec.topics), listener=self.membership)
        return consumer

    @property
    def joined(self) -> bool:
        """In its group with an assignment: events published now will be consumed."""
        return self.membership.joined.is_set()

    async def run(self) -> None:
        """Consume until cancelled. Can be called again after it failed: a stopped aiokafka
        client cannot restart, so every run builds a fresh one."""
        if self.started.is_set():
            self.consumer = self._new_client()
        try:
            await self.consumer.start()
        except BaseException:  # cancelled (a shutdown) or failed while joining: no client left
            await self.consumer.stop()
            raise
        self.started.set()
        try:
            while True:
                batches = await self.consumer.getmany(
                    timeout_ms=1000, max_records=self.spec.max_records
                )
                await self.lag.observe(self.consumer)
                # a partition moved to another member meanwhile: it takes its records there
                owned = {tp: rs for tp, rs in batches.items() if tp in self.consumer.assignment()}
                if not owned:
                    continue
                # One transaction for the poll's records of every partition (each partition's
                # in its order): with several partitions a poll is split among them, and a
                # transaction per partition paid its commit for a few events each.
                await self.handle_batch([r for records in owned.values() for r in records])
                # Each record above is committed in the database (or dead-lettered) before its
                # offset is; a crash in between redelivers, and the table de-duplicates.
                try:
                    done = {tp: rs[-1].offset + 1 for tp, rs in owned.items()}
                    await self.consumer.commit(done)
                    self.lag.applied(done)
                except (CommitFailedError, IllegalStateError):
                    # The group rebalanced (a broker restart, a new member) or a partition
                    # moved during the batch: these records come again to whoever owns it
                    # now, and are skipped there.
                    log.warning(
                        "offset commit refused after a rebalance; continuing",
                        extra={"partitions": [f"{tp.topic}/{tp.partition}" for tp in owned]},
                    )
        finally:
            await self.consumer.stop()

    async def handle_batch(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply one poll's records (of its partitions, each partition's in order) in a single
        transaction (one commit, one fsync for many events). If anything in it fails, nothing
        of it stays, and the records are applied one by one, each with its retries and its own
        way to the DLQ."""
        POLL_RECORDS.labels(self.group_id).observe(len(records))
        if len(records) > 1 and self.spec.batch is not None:
            if await self._apply_batch(records, self.spec.batch):
                return
        elif len(records) > 1:
            try:
                outcomes = await self._apply_poll(records)
            except Exception:
                log.info(
                    "batch not applied as a whole; applying its records one by one",
                    exc_info=True,
                    extra={"records": len(records)},
                )
            else:
                for outcome in outcomes:
                    EVENTS_PROCESSED.labels(self.group_id, outcome).inc()
                return
        for record in records:
            await self.handle_record(record)

    async def _apply_poll(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> list[str]:
        """A poll's records in one transaction: their event ids recorded in one statement, then
        the handler of each new one in order (a copy of an event in the same poll is a
        duplicate, like one applied before)."""
        wanted = [r for r in records if self._may_handle(r)]
        decoded = [(record, decode_event(record.value)) for record in wanted]
        handled = [(r, e, h) for r, e in decoded if (h := self.spec.handlers.get(e.type))]
        outcomes = ["ignored"] * (len(records) - len(handled))
        if not handled:
            return outcomes  # nothing this consumer reads: no transaction
        async with unit_of_work(self.sessions) as session:
            fresh = await self._mark_new(session, [e for _, e, _ in handled])
            if self.spec.prepare is not None and fresh:
                new = {e.id: e for _, e, _ in handled if e.id in fresh}  # a copy once
                await self.spec.prepare(session, list(new.values()))
            for record, event, handler in handled:
                with _bound_ids(record, event):
                    if event.id not in fresh:
                        log.info("duplicate event skipped", extra={"event_id": event.id})
                        outcomes.append("duplicate")
                        continue
                    fresh.discard(event.id)
                    await handler(session, event)
                    outcomes.append("applied")
        return outcomes

    def _may_handle(self, record: ConsumerRecord[bytes, bytes]) -> bool:
        """False for a record whose type header names an event this consumer has no handler
        for: it is skipped without being decoded (a topic carries several types, and most
        consumers read one or two of them). Without the header, the record is decoded."""
        for key, value in record.headers or ():
            if key == HEADER_EVENT_TYPE:
                return value.decode(errors="replace") in self.spec.handlers
        return True

    async def _mark_new(self, session: AsyncSession, events: Sequence[CloudEvent]) -> set[str]:
        """Record the events as processed by this consumer; the ids not recorded before."""
        if not events:
            return set()
        rows = await session.execute(
            self._mark_processed,
            {
                "consumer": self.group_id,
                "event_ids": [e.id for e in events],
                "event_types": [e.type for e in events],
            },
        )
        return {row[0] for row in rows}

    async def _apply_batch(
        self, records: Sequence[ConsumerRecord[bytes, bytes]], batch: BatchHandler
    ) -> bool:
        """A poll's events through the batch handler in one transaction; False (nothing kept)
        when any record is undecodable or the handler fails: then one by one."""
        try:
            events = [decode_event(record.value) for record in records]
            async with unit_of_work(self.sessions) as session:
                await batch(session, events)
        except Exception:
            log.info(
                "batch not applied as a whole; applying its records one by one",
                exc_info=True,
                extra={"records": len(records)},
            )
            return False
        EVENTS_PROCESSED.labels(self.group_id, "applied").inc(len(events))
        self.brake.applied()
        return True

    def _handler_of(self, event_type: str) -> Handler | None:
        batch = self.spec.batch
        if batch is None:
            return self.spec.handlers.get(event_type)

        async def one(session: AsyncSession, event: CloudEvent) -> None:
            await batch(session, [event])

        return one

    @property
    def paused(self) -> bool:
        return self.brake.paused

    async def handle_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        await self.brake.wait()
        if self.spec.batch is None and not self._may_handle(record):
            EVENTS_PROCESSED.labels(self.group_id, "ignored").inc()
            return
        try:
            event = decode_event(record.value)
        except UndecodableEvent as exc:
            with _bound_ids(record, None):
                await self._dead_letter(record, exc, attempts=1)
            return
        with _bound_ids(record, event):
            handler = self._handler_of(event.type)
            if handler is None:
                EVENTS_PROCESSED.labels(self.group_id, "ignored").inc()
                return
            await self._handle_with_retries(record, event, handler)

    async def _handle_with_retries(
        self, record: ConsumerRecord[bytes, bytes], event: CloudEvent, handler: Handler
    ) -> None:
        attempt, outage_delay = 1, self.retry_backoff_s
        while True:
            try:
                applied = await self._apply_once(event, handler)
            except PERMANENT as exc:
                await self._dead_letter(record, exc, attempts=attempt)
                return
            except Exception as exc:
                if is_outage(exc):
                    # The database is unreachable: every event would fail the same way. Wait,
                    # without using up the event's attempts, so an outage dead-letters nothing.
                    log.warning(
                        "database unreachable; waiting before trying again",
                        extra={"event_id": event.id, "retry_in_s": outage_delay},
                    )
                    await asyncio.sleep(outage_delay)
                    outage_delay = min(max(outage_delay, 0.1) * 2, 30.0)
                    continue
                if attempt == self.max_attempts:
                    await self._dead_letter(record, exc, attempts=attempt)
                    return
                delay = self.retry_backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "event handler failed; retrying",
                    exc_info=True,
                    extra={"event_id": event.id, "event_type": event.type, "attempt": attempt},
                )
                await asyncio.sleep(delay)
                attempt += 1
                continue
            EVENTS_PROCESSED.labels(self.group_id, "applied" if applied else "duplicate").inc()
            self.brake.applied()
            return

    async def _apply_once(self, event: CloudEvent, handler: Handler) -> bool:
        async with unit_of_work(self.sessions) as session:
            return await self._apply_in(session, event, handler)

    async def _apply_in(self, session: AsyncSession, event: CloudEvent, handler: Handler) -> bool:
        """Record the event id and run the handler in the caller's transaction; False when the
        event was applied before (a redelivery). A batch handler's projection is keyed by the
        event id itself: nothing to record."""
        if self.spec.batch is not None:
            await handler(session, event)
            return True
        if not await self._mark_new(session, [event]):
            log.info("duplicate event skipped", extra={"event_id": event.id})
            return False
        await handler(session, event)
        return True

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], exc: BaseException, *, attempts: int
    ) -> None:
        reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
        headers = [
            *(record.headers or ()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_consumer", self.group_id.encode()),
            ("dlq_exception", reason.encode()),
            ("dlq_attempts", str(attempts).encode()),
        ]
        await self.producer.send_and_wait(
            dlq_topic(record.topic), value=record.value, key=record.key, headers=headers
        )
        EVENTS_PROCESSED.labels(self.group_id, "dead_lettered").inc()
        self.brake.dead_lettered()
        log.error(
            "event dead-lettered",
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "reason": reason,
                "attempts": attempts,
            },
        )

    async def stop(self) -> None:
        await self.consumer.stop()


@contextmanager
def _bound_ids(record: ConsumerRecord[bytes, bytes], event: CloudEvent | None) -> Iterator[None]:
    """Bind the request and correlation ids the record carries, and the event's id as the cause
    of whatever it publishes, for logs and emitted events."""
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    correlation = (event.correlationid if event else None) or headers.get(HEADER_CORRELATION_ID)
    req_token = request_id_var.set(headers.get(HEADER_REQUEST_ID))
    corr_token = correlation_id_var.set(correlation)
    cause_token = causation_id_var.set(event.id if event else None)
    try:
        yield
    finally:
        request_id_var.reset(req_token)
        correlation_id_var.reset(corr_token)
        causation_id_var.reset(cause_token)
