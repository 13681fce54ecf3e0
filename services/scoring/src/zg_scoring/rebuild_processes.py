"""A rebuild in processes: `python -m zg_scoring rebuild` empties the projections, notes where
each partition ends, and shares the partitions among processes forked from its own (so they
start with everything imported: a fresh interpreter spends seconds on its imports). A case's
steps are keyed by the case, so they are in one partition and one process derives the case."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized

from zg_common import cpus
from zg_common.db import create_engine, create_sessionmaker
from zg_scoring.config import ScoringSettings
from zg_scoring.rebuild import REPLAY_GC, Plan, prepare, replay_part
from zg_scoring.rebuild_jobs import beat, finish


class ReplayFailed(RuntimeError):
    """A replaying process failed or the rebuild's own process is gone."""


def processes_for(plan: Plan, wanted: int | None) -> int:
    """How many processes replay `plan`: `wanted` (the setting), else two per CPU this
    process may use, its container's limit included (each waits on PostgreSQL about half its
    time: measured, three processes on two cores replay faster than two), never more than the
    partition numbers to share."""
    if wanted is None:
        wanted = 2 * cpus.available()
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
            return await prepare(sessions, settings.kafka, settings.refdata_dir)
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
    # the database only for a job's heartbeat and end
    engine = create_engine(settings, application_name="zg-scoring-rebuild") if job_id else None
    sessions = create_sessionmaker(engine) if engine is not None else None
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
                if job_id is not None and sessions is not None:
                    await beat(sessions, job_id, replayed.value)
            if done:
                return
            await asyncio.sleep(0.1)
    except BaseException as exc:
        state, error = "failed", type(exc).__name__
        raise
    finally:
        if job_id is not None and engine is not None and sessions is not None:
            try:
                await finish(sessions, job_id, state, error)
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
                settings.kafka,
                plan,
                batch=settings.replay_batch,
                progress=progress,
            )
        finally:
            await engine.dispose()

    asyncio.run(main())
