"""Rebuild: empty the projections and replay the event log from its beginning (the topics
scoring reads are kept without a time limit). The numbers after it are identical.

It runs beside the live consumer: the projections are emptied first, then the topics are read
from their beginning up to the offsets they had just after, with a consumer of no group (the
live group's offsets stay). An event the live consumer applies meanwhile is either past those
offsets (the live one keeps it) or before them (replayed too: every fact is keyed by its event
id, and a case's timeline is derived again from all its steps under the derivation lock).

The replay writes the facts of a case's steps before it derives the case's timeline, once the
replay has gone past its steps (see `replay_part`), instead of once per batch that carries one
of them. `python -m zg_scoring rebuild` (and so the rebuild job, `rebuild_jobs.py`) shares the
partitions among processes (`rebuild_processes.run`): a case's steps are in one partition, so
each process derives its own cases."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.contracts.scoring import REPLAYED_TOPICS
from zg_common.db import unit_of_work
from zg_common.events import HEADER_EVENT_TYPE, CloudEvent, UndecodableEvent, decode_event
from zg_common.kafka_cluster import Kafka, cluster_of
from zg_common.refdata import RefData
from zg_scoring import patrol_facts, projection
from zg_scoring.models import DERIVED, FACTS

log = logging.getLogger(__name__)

LANES = 3  # batches written at a time (at most one lane per partition number)
SETTLED = 2  # a lane's batches without a step of a case before the case is derived
Progress = Callable[[int], Awaitable[None]]


async def empty(session: AsyncSession, refdata_dir: Path) -> None:
    """Every projection emptied, and the data set's territory loaded again."""
    tables = ", ".join(f"scoring.{m.__tablename__}" for m in (*FACTS, *DERIVED))
    await session.execute(text(f"TRUNCATE {tables}"))
    await patrol_facts.load_data_set(session, RefData(refdata_dir))


Plan = dict[TopicPartition, int]  # each partition replayed, and the offset it is read up to


async def prepare(
    sessions: async_sessionmaker[AsyncSession], kafka: Kafka, refdata_dir: Path
) -> Plan:
    """Empty the projections; the partitions to replay and the offsets they are read up to
    (where they stand just after)."""
    async with unit_of_work(sessions) as session:
        await empty(session, refdata_dir)
    return await _plan(kafka)


async def replay_part(
    sessions: async_sessionmaker[AsyncSession],
    kafka: Kafka,
    plan: Plan,
    *,
    batch: int,
    progress: Progress | None = None,
) -> int:
    """Replay the partitions of `plan` into the emptied projections and derive the timelines
    of the cases whose steps they carried; the events read (`progress` is told the count after
    each batch)."""
    read = 0
    # the partitions are shared among lanes, each written by its own task one batch after the
    # other (a transaction each), while the next batches are read and decoded: PostgreSQL
    # writes one lane's batch while this process prepares another's. The facts are keyed and
    # order-free, and a case's steps (keyed by it: one partition) stay in one lane, in their
    # order (their seq breaks ties of a moment)
    numbers = sorted({tp.partition for tp in plan})
    lane_of = {tp: numbers.index(tp.partition) % LANES for tp in plan}
    lanes: list[asyncio.Queue[list[CloudEvent] | None]] = [
        asyncio.Queue(maxsize=1) for _ in range(min(LANES, len(numbers)))
    ]

    async def write(lane: asyncio.Queue[list[CloudEvent] | None]) -> None:
        # a case is derived once its lane has carried none of its steps for SETTLED batches
        # (the log is in time order: most cases are over by then), and again if a step of it
        # comes later; the rest after the lane's last batch. Deriving is idempotent (from all
        # the case's steps, under the derivation lock), so early is only ever extra work
        nonlocal read
        last: dict[str, int] = {}  # case -> the lane's batch that last carried a step of it
        n = 0
        while (events := await lane.get()) is not None:
            for case_id in await _apply(sessions, events):
                last[case_id] = n
            read += len(events)
            if progress is not None:
                await progress(read)
            settled = [case_id for case_id, at in last.items() if at <= n - SETTLED]
            for case_id in settled:
                del last[case_id]
            await _derive(sessions, settled)
            n += 1
        await _derive(sessions, list(last))

    if lanes:
        async with asyncio.TaskGroup() as tasks:
            for lane in lanes:
                tasks.create_task(write(lane))
            tasks.create_task(_read(kafka, plan, batch, lane_of, lanes))
    return read


def _consumer(kafka: Kafka) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        **cluster_of(kafka).client(),
        group_id=None,
        auto_offset_reset="earliest",  # a partition's position starts at its beginning
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )


async def _plan(kafka: Kafka) -> Plan:
    """Every partition of the replayed topics that holds events, and where it ends now."""
    consumer = _consumer(kafka)
    await consumer.start()
    try:
        # the cluster's metadata as fetched (the client's own holds only subscribed topics)
        cluster = await consumer._client.fetch_all_metadata()
        partitions = [
            TopicPartition(topic, p)
            for topic in REPLAYED_TOPICS
            for p in sorted(cluster.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return {}
        end = await consumer.end_offsets(partitions)
        return {tp: end[tp] for tp in partitions if end[tp] > 0}
    finally:
        await consumer.stop()


async def _derive(sessions: async_sessionmaker[AsyncSession], case_ids: list[str]) -> None:
    """The timelines of `case_ids`, a transaction per chunk of cases."""
    ordered = sorted(case_ids)
    for start in range(0, len(ordered), projection.CHUNK):
        async with unit_of_work(sessions) as session:
            await projection.derive_cases(session, ordered[start : start + projection.CHUNK])


async def _read(
    kafka: Kafka,
    plan: Plan,
    batch: int,
    lane_of: dict[TopicPartition, int],
    lanes: list[asyncio.Queue[list[CloudEvent] | None]],
) -> None:
    """The partitions of `plan` from their beginning up to their planned end, decoded, in
    batches of `batch` events per lane; None to each lane after its last."""
    consumer = _consumer(kafka)
    await consumer.start()
    try:
        remaining = set(plan)
        if remaining:
            consumer.assign(list(plan))
            for tp in plan:
                await consumer.seek_to_beginning(tp)
        pending: list[list[CloudEvent]] = [[] for _ in lanes]
        while remaining:
            polled = await consumer.getmany(*remaining, timeout_ms=1000, max_records=batch)
            for tp, records in polled.items():
                pending[lane_of[tp]] += _decoded(records, plan[tp])
            for tp in list(remaining):
                if await consumer.position(tp) >= plan[tp]:
                    remaining.discard(tp)
            for n, events in enumerate(pending):
                if len(events) >= batch or (events and not remaining):
                    await lanes[n].put(events)
                    pending[n] = []
    finally:
        await consumer.stop()
    for lane in lanes:
        await lane.put(None)


# the cyclic collector's thresholds in a replaying process: a batch's thousands of objects live
# through many young collections and get traversed again by each (measured: 24 of 82 us of the
# replay's CPU per event at the default thresholds, none at these)
REPLAY_GC = (100_000, 50, 100)


# the contracts by the `ce_type` header's bytes as they come
_BY_HEADER = {event_type.encode(): c for event_type, c in projection.CONTRACTS.items()}


def _decoded(records: Iterable[ConsumerRecord[bytes, bytes]], end: int) -> list[CloudEvent]:
    """The events scoring reads of the records before offset `end`, each decoded with its
    contract when its `ce_type` header names one (the platform's relays set it): the payload is
    validated in the same pass, and a type scoring does not read is skipped undecoded."""
    out = []
    for record in records:
        if record.offset >= end:
            break
        contract, unread = None, False
        for key, value in record.headers:
            if key == HEADER_EVENT_TYPE:
                contract = _BY_HEADER.get(value)
                unread = contract is None
                break
        if unread:
            continue
        try:
            out.append(decode_event(record.value, contract))
        except UndecodableEvent:
            continue  # the live consumer dead-lettered it
    return out


async def _apply(sessions: async_sessionmaker[AsyncSession], events: list[CloudEvent]) -> set[str]:
    """The batch's facts (timelines not derived); the cases whose steps it wrote."""
    try:
        async with unit_of_work(sessions) as session:
            return await projection.apply(session, events, derive=False)
    except Exception:
        # an event that can never be applied (the live consumer dead-lettered it): the others
        cases: set[str] = set()
        for event in events:
            try:
                async with unit_of_work(sessions) as session:
                    cases |= await projection.apply(session, [event], derive=False)
            except Exception:
                log.warning("replayed event skipped", exc_info=True, extra={"event_id": event.id})
        return cases
