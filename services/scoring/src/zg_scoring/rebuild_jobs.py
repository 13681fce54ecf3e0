"""The rebuild job (`POST /api/v1/scores/rebuilds`): queued by an administrator, claimed by a
service's worker (one at a time; a running job with no heartbeat for a minute is taken over)
and run as `python -m zg_scoring rebuild --job <id>`, which keeps its heartbeat, count and end
state (`rebuild_processes.run`)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.db import unit_of_work
from zg_common.identity import Identity
from zg_scoring.config import ScoringSettings
from zg_scoring.exceptions import RebuildInProgress, RebuildNotFound
from zg_scoring.models import RebuildJob
from zg_scoring.runtime import ScoringRuntime
from zg_scoring.schemas import RebuildIn, RebuildOut

log = logging.getLogger(__name__)

STALE = timedelta(seconds=60)  # a running job with no heartbeat for this long is taken over


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
            await finish(sessions, job_id, "failed", f"exit status {code}")


def child_env(settings: ScoringSettings) -> dict[str, str]:
    """The environment of a rebuild's command: this process's, with the settings it was
    given (a service built with explicit settings, as in tests, has them nowhere else)."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": settings.database_url,
            "ZG_REFDATA_DIR": str(settings.refdata_dir),
            "ZG_ENVIRONMENT": settings.environment,
            "ZG_SCORING_REPLAY_BATCH": str(settings.replay_batch),
        }
    )
    env.update(settings.kafka_environment())  # the brokers and the connection's security
    if settings.replay_processes is not None:
        env["ZG_SCORING_REPLAY_PROCESSES"] = str(settings.replay_processes)
    return env


async def beat(sessions: async_sessionmaker[AsyncSession], job_id: str, events: int) -> None:
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(RebuildJob)
            .where(RebuildJob.id == job_id)
            .values(events=events, heartbeat_at=datetime.now(UTC))
        )


async def finish(
    sessions: async_sessionmaker[AsyncSession], job_id: str, state: str, error: str | None
) -> None:
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(RebuildJob)
            .where(RebuildJob.id == job_id, RebuildJob.state == "running")
            .values(state=state, error=error, finished_at=datetime.now(UTC))
        )
