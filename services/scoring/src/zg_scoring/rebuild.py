"""Rebuild: empty the projections and replay the event log from its beginning (the topics
scoring reads are kept without a time limit). The numbers after it are identical.

It runs beside the live consumer: the projections are emptied first, then the topics are read
from their beginning up to the offsets they had just after, with a consumer of no group (the
live group's offsets stay). An event the live consumer applies meanwhile is either past those
offsets (the live one keeps it) or before them (replayed too: every fact is keyed by its event
id, and a case's timeline is derived again from all its steps under the derivation lock).

The replay writes the facts of a case's steps before it derives the case's timeline, once the
replay has gone past its steps (see `replay_part`), instead of once per batch that carries one
of them. `python -m zg_scoring rebuild` (and so the rebuild job) shares the partitions among
processes (`run`): a case's steps are in one partition, so each process derives its own
cases."""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.contracts.scoring import REPLAYED_TOPICS
from zg_common.db import create_engine, create_sessionmaker, unit_of_work
from zg_common.events import HEADER_EVENT_TYPE, CloudEvent, UndecodableEvent, decode_event
from zg_common.identity import Identity
from zg_common.refdata import RefData
from zg_scoring import patrol_facts, projection
from zg_scoring.config import ScoringSettings
from zg_scoring.exceptions import RebuildInProgress, RebuildNotFound
from zg_scoring.models import DERIVED, FACTS, RebuildJob
from zg_scoring.runtime import ScoringRuntime
from zg_scoring.schemas import RebuildIn, RebuildOut

log = logging.getLogger(__name__)

LANES = 3  # batches written at a time (at most one lane per partition number)
SETTLED = 2  # a lane's batches without a step of a case before the case is derived
STALE = timedelta(seconds=60)  # a running job with no heartbeat for this long is taken over
Progress = Callable[[int], Awaitable[None]]


async def empty(session: AsyncSession, refdata_dir: Path) -> None:
    """Every projection emptied, and the data set's territory loaded again."""
    tables = ", ".join(f"scoring.{m.__tablename__}" for m in (*FACTS, *DERIVED))
    await session.execute(text(f"TRUNCATE {tables}"))
    await patrol_facts.load_data_set(session, RefData(refdata_dir))


Plan = dict[TopicPartition, int]  # each partition replayed, and the offset it is read up to


async def prepare(
    sessions: async_sessionmaker[AsyncSession], bootstrap_servers: str, refdata_dir: Path
) -> Plan:
    """Empty the projections; the partitions to replay and the offsets they are read up to
    (where they stand just after)."""
    async with unit_of_work(sessions) as session:
        await empty(session, refdata_dir)
    return await _plan(bootstrap_servers)


async def replay(
    sessions: async_sessionmaker[AsyncSession],
    bootstrap_servers: str,
    *,
    refdata_dir: Path,
    batch: int = 5000,
    progress: Progress | None = None,
) -> int:
    """Empty the projections and replay the topics up to where they stand, in this process;
    the events read. (`run` spreads the partitions over processes.)"""
    plan = await prepare(sessions, bootstrap_servers, refdata_dir)
    with _fewer_collections():
        return await replay_part(sessions, bootstrap_servers, plan, batch=batch, progress=progress)


async def replay_part(
    sessions: async_sessionmaker[AsyncSession],
    bootstrap_servers: str,
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
            tasks.create_task(_read(bootstrap_servers, plan, batch, lane_of, lanes))
    return read


def _consumer(bootstrap_servers: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",  # a partition's position starts at its beginning
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )


async def _plan(bootstrap_servers: str) -> Plan:
    """Every partition of the replayed topics that holds events, and where it ends now."""
    consumer = _consumer(bootstrap_servers)
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
    bootstrap_servers: str,
    plan: Plan,
    batch: int,
    lane_of: dict[TopicPartition, int],
    lanes: list[asyncio.Queue[list[CloudEvent] | None]],
) -> None:
    """The partitions of `plan` from their beginning up to their planned end, decoded, in
    batches of `batch` events per lane; None to each lane after its last."""
    consumer = _consumer(bootstrap_servers)
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


REPLAY_GC = (100_000, 50, 100)  # the cyclic collector's thresholds while replaying


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic collector less often while replaying: a batch's thousands of objects
    live through many young collections and get traversed again by each (measured: 24 of 82
    us of the replay's CPU per event at the default thresholds, none at these)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*REPLAY_GC)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


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


# --- the job resource -------------------------------------------------------------------------


def job_out(job: RebuildJob) -> RebuildOut:
    return RebuildOut.model_validate(job, from_attributes=True)


async def request(
    session: AsyncSession, data: RebuildIn, caller: Identity, now: datetime
) -> RebuildOut:
    """Queue a rebuild (one at a time)."""
    busy = await session.scalar(
        select(RebuildJob).where(RebuildJob.state.in_(("queued", "running"))).limit(1)
    )
    if busy is not None:
        raise RebuildInProgress(f"Rebuild {busy.id} is {busy.state}: wait for it to finish")
    job = RebuildJob(
        id=str(uuid.uuid4()),
        state="queued",
        requested_by=caller.sub,
        reason=data.reason,
        requested_at=now,
        events=0,
    )
    session.add(job)
    await session.flush()
    return job_out(job)


async def read(session: AsyncSession, job_id: str) -> RebuildOut:
    job = await session.get(RebuildJob, job_id)
    if job is None:
        raise RebuildNotFound(f"No rebuild {job_id}")
    return job_out(job)


async def _claim(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    now = datetime.now(UTC)
    async with unit_of_work(sessions) as session:
        job = await session.scalar(
            select(RebuildJob)
            .where(
                or_(
                    RebuildJob.state == "queued",
                    (RebuildJob.state == "running") & (RebuildJob.heartbeat_at < now - STALE),
                )
            )
            .order_by(RebuildJob.requested_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if job is None:
            return None
        job.state, job.started_at, job.heartbeat_at, job.events = "running", now, now, 0
        return job.id


async def worker(runtime: ScoringRuntime) -> None:
    """Background loop: run the queued rebuilds, each as `python -m zg_scoring rebuild --job`
    (its own processes: the replay's memory and CPU stay out of the service's, and it keeps the
    job's heartbeat, count and end state itself)."""
    sessions, settings = runtime.sessions, runtime.settings
    while True:
        job_id = await _claim(sessions)
        if job_id is None:
            await asyncio.sleep(settings.rebuild_poll_s)
            continue
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "zg_scoring", "rebuild", "--job", job_id, env=child_env(settings)
        )
        try:
            code = await command.wait()
        except asyncio.CancelledError:
            # the service stops: so does the rebuild (its job is taken over once stale)
            command.terminate()
            await command.wait()
            raise
        if code != 0:  # it could not record its end itself
            log.error("rebuild exited with %s", code, extra={"job": job_id})
            await _finish(sessions, job_id, "failed", f"exit status {code}")


def child_env(settings: ScoringSettings) -> dict[str, str]:
    """The environment of a rebuild's command: this process's, with the settings it was
    given (a service built with explicit settings, as in tests, has them nowhere else)."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": settings.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "ZG_REFDATA_DIR": str(settings.refdata_dir),
            "ZG_ENVIRONMENT": settings.environment,
            "ZG_SCORING_REPLAY_BATCH": str(settings.replay_batch),
        }
    )
    if settings.replay_processes is not None:
        env["ZG_SCORING_REPLAY_PROCESSES"] = str(settings.replay_processes)
    return env


async def _beat(sessions: async_sessionmaker[AsyncSession], job_id: str, events: int) -> None:
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(RebuildJob)
            .where(RebuildJob.id == job_id)
            .values(events=events, heartbeat_at=datetime.now(UTC))
        )


async def _finish(
    sessions: async_sessionmaker[AsyncSession], job_id: str, state: str, error: str | None
) -> None:
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(RebuildJob)
            .where(RebuildJob.id == job_id, RebuildJob.state == "running")
            .values(state=state, error=error, finished_at=datetime.now(UTC))
        )


# --- in processes -----------------------------------------------------------------------------


class ReplayFailed(RuntimeError):
    """A replaying process failed or the rebuild's own process is gone."""


def processes_for(plan: Plan, wanted: int | None) -> int:
    """How many processes replay `plan`: `wanted` (the setting), else two per CPU this
    process may use (each waits on PostgreSQL about half its time: measured, three processes on
    two cores replay faster than two), never more than the partition numbers to share."""
    if wanted is None:
        wanted = 2 * len(os.sched_getaffinity(0))
    return max(1, min(wanted, len({tp.partition for tp in plan})))


def split(plan: Plan, processes: int) -> list[Plan]:
    """`plan` in `processes` parts by partition number (a case's steps, keyed by it, are in one
    partition: one part derives the case)."""
    numbers = sorted({tp.partition for tp in plan})
    parts = [
        {tp: end for tp, end in plan.items() if numbers.index(tp.partition) % processes == k}
        for k in range(processes)
    ]
    return [part for part in parts if part]


def run(
    settings: ScoringSettings,
    *,
    processes: int | None = None,
    job_id: str | None = None,
    report: Callable[[int], None] | None = None,
) -> int:
    """Empty the projections and replay the topics up to where they stand, their partitions
    shared among processes forked from this one (so call it where no event loop and no other
    thread runs, as `python -m zg_scoring rebuild` does); the events read. `report` is told
    the count as it grows; with `job_id`, the rebuild job's heartbeat, count and end state are
    kept."""

    async def prepared() -> Plan:
        engine = create_engine(settings, application_name="zg-scoring-rebuild")
        try:
            sessions = create_sessionmaker(engine)
            return await prepare(sessions, settings.kafka_bootstrap_servers, settings.refdata_dir)
        finally:
            await engine.dispose()

    plan = asyncio.run(prepared())
    parts = split(plan, processes_for(plan, processes))
    context = multiprocessing.get_context("fork")
    replayed = context.Value("q", 0)
    children = [
        context.Process(
            target=_replay_in_child,
            args=(settings, part, replayed, os.getpid()),
            name=f"zg-scoring-replay-{n}",
        )
        for n, part in enumerate(parts)
    ]
    # what this process holds is left out of the children's cyclic collections: they would
    # traverse it (and copy each page they touch) for nothing
    gc.freeze()
    for child in children:
        child.start()
    try:
        asyncio.run(_watch(settings, children, replayed, job_id, report))
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
        gc.unfreeze()
    events: int = replayed.value
    return events


async def _watch(
    settings: ScoringSettings,
    children: Sequence[BaseProcess],
    replayed: Synchronized[int],
    job_id: str | None,
    report: Callable[[int], None] | None,
) -> None:
    """Wait for the replaying processes, telling the count as it grows; the first that fails
    fails the rebuild."""
    engine = create_engine(settings, application_name="zg-scoring-rebuild")
    sessions = create_sessionmaker(engine)
    state, error = "done", None
    told = -1.0
    try:
        while True:
            codes = [child.exitcode for child in children]
            failed = [code for code in codes if code not in (None, 0)]
            if failed:
                raise ReplayFailed(f"a replaying process exited with {failed[0]}")
            done = all(code == 0 for code in codes)
            now = time.monotonic()
            if done or now - told >= 1:
                told = now
                if report is not None:
                    report(replayed.value)
                if job_id is not None:
                    await _beat(sessions, job_id, replayed.value)
            if done:
                return
            await asyncio.sleep(0.1)
    except BaseException as exc:
        state, error = "failed", type(exc).__name__
        raise
    finally:
        try:
            if job_id is not None:
                await _finish(sessions, job_id, state, error)
        finally:
            await engine.dispose()


def _replay_in_child(
    settings: ScoringSettings, plan: Plan, replayed: Synchronized[int], parent: int
) -> None:
    """A replaying process: its part of the plan (the whole process replays: the collector's
    thresholds are its own)."""
    gc.set_threshold(*REPLAY_GC)

    async def main() -> None:
        engine = create_engine(settings, application_name="zg-scoring-replay")
        told = 0

        async def progress(read: int) -> None:
            nonlocal told
            if os.getppid() != parent:
                raise ReplayFailed("the rebuild's process is gone")
            with replayed.get_lock():
                replayed.value += read - told
            told = read

        try:
            await replay_part(
                create_sessionmaker(engine),
                settings.kafka_bootstrap_servers,
                plan,
                batch=settings.replay_batch,
                progress=progress,
            )
        finally:
            await engine.dispose()

    asyncio.run(main())
