"""Long jobs as resources (`zg_common.jobs`) on the real database: submitted in a transaction,
run once by whichever worker claims them, ended done with their result or failed with their
problem, and claimed again when the replica running one died."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.errors import FieldError, ValidationFailed
from zg_common.identity import Identity
from zg_common.jobs import STALE, Jobs, job_table

pytestmark = pytest.mark.integration

LEADER = Identity(sub="leader-1", role="shift_leader")


async def test_jobs_run_once_and_end_done_or_failed(engine: AsyncEngine, schema: MetaData) -> None:
    table = job_table(schema)
    async with engine.begin() as conn:
        await conn.run_sync(table.create)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ran: list[str] = []

    async def ok(params: Mapping[str, Any]) -> dict[str, Any]:
        ran.append(params["n"])
        await asyncio.sleep(0.05)
        return {"made": params["n"]}

    async def refused(params: Mapping[str, Any]) -> dict[str, Any]:
        message = "that day has no shifts"
        raise ValidationFailed(message, errors=[FieldError(field="day", code="x", message=message)])

    async def broken(params: Mapping[str, Any]) -> dict[str, Any]:
        raise RuntimeError("a bug, with internals nobody should read")

    jobs = Jobs(table, {"ok": ok, "refused": refused, "broken": broken})
    async with sessions.begin() as session:
        submitted = [await jobs.submit(session, "ok", {"n": str(n)}, LEADER) for n in range(4)]
        bad = await jobs.submit(session, "refused", {}, LEADER)
        boom = await jobs.submit(session, "broken", {}, LEADER)
    # two workers side by side: each job is claimed by one of them
    while any(await asyncio.gather(jobs.run_one(sessions), jobs.run_one(sessions))):
        pass
    assert sorted(ran) == ["0", "1", "2", "3"], "each job ran once"
    async with sessions() as session:
        done = [await jobs.read(session, j.id) for j in submitted]
        failed, crashed = await jobs.read(session, bad.id), await jobs.read(session, boom.id)
    assert all(j.status == "done" and j.result == {"made": j.params["n"]} for j in done)
    assert all(j.started_at and j.finished_at and j.submitted_by == "leader-1" for j in done)
    assert failed.status == "failed" and failed.error is not None
    assert failed.error["code"] == "validation_failed" and "no shifts" in failed.error["detail"]
    assert failed.error["errors"] == [
        {"field": "day", "code": "x", "message": "that day has no shifts"}
    ]
    assert crashed.status == "failed" and crashed.error is not None
    assert crashed.error["code"] == "job_failed" and "internals" not in crashed.error["detail"]


async def test_a_job_whose_replica_died_is_claimed_again(
    engine: AsyncEngine, schema: MetaData
) -> None:
    table = job_table(schema)
    async with engine.begin() as conn:
        await conn.run_sync(table.create)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def ok(params: Mapping[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    jobs = Jobs(table, {"ok": ok})
    async with sessions.begin() as session:
        job = await jobs.submit(session, "ok", {}, LEADER)
    claimed = await jobs.claim(sessions)  # a replica takes it ... and dies
    assert claimed is not None and claimed["id"] == job.id
    assert await jobs.claim(sessions) is None, "running, its heartbeat fresh: nobody else's"
    async with sessions.begin() as session:
        await session.execute(
            update(table)
            .where(table.c.id == job.id)
            .values(heartbeat_at=datetime.now(UTC) - STALE - timedelta(seconds=1))
        )
    assert await jobs.run_one(sessions) is True
    async with sessions() as session:
        again = await jobs.read(session, job.id)
    assert again.status == "done" and again.result == {"ok": True}
