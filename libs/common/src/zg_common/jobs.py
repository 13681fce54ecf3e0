"""Long work as a resource, not a long request.

Work that can take longer than a request's deadline (a day's patrol plan, an import, a rebuild)
is submitted in the request's transaction as a row of the service's `job` table and answered at
once with `202 Accepted`, the job's URL in `Location`. A worker loop of the service (any
replica) claims queued jobs with `FOR UPDATE SKIP LOCKED`, runs the kind's handler, beats a
heartbeat while it runs and stores the result — or the problem it ended in. A job whose
replica died (its heartbeat older than `STALE`) is claimed again. The caller reads the job
(`queued` → `running` → `done` | `failed`) until it ends; its `result` names what was made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.errors import NotFound, ProblemError
from zg_common.identity import Identity

log = logging.getLogger(__name__)

STALE = timedelta(seconds=60)  # a running job whose heartbeat is older: its replica died
BEAT_S = 10.0

Handler = Callable[[Mapping[str, Any]], Awaitable[dict[str, Any]]]


def job_table(metadata: MetaData) -> Table:
    name = f"{metadata.schema}.job" if metadata.schema else "job"
    if (table := metadata.tables.get(name)) is not None:
        return table
    return Table(
        "job",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("kind", String(50), nullable=False),
        Column("params", JSONB, nullable=False),
        Column("status", String(10), nullable=False),  # queued running done failed
        Column("submitted_by", String(100), nullable=False),
        Column("submitted_at", DateTime(timezone=True), nullable=False),
        Column("started_at", DateTime(timezone=True)),
        Column("heartbeat_at", DateTime(timezone=True)),
        Column("finished_at", DateTime(timezone=True)),
        Column("result", JSONB),
        Column("error", JSONB),  # the problem it ended in: code, detail
        Column("note", Text),  # where it stands, in words
        Index(
            "ix_job_waiting",
            "submitted_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )


def create_job_table_v1(op: Any, schema: str) -> None:
    """Frozen DDL for migrations."""
    job_table(MetaData(schema=schema)).create(op.get_bind())


class JobRead(BaseModel):
    """A long job: where it stands and, once done, what it made."""

    id: uuid.UUID
    kind: str = Field(examples=["patrol.plan"])
    status: str = Field(examples=["running"], description="queued, running, done or failed")
    params: dict[str, Any]
    submitted_by: str
    submitted_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    note: str | None = Field(default=None, description="where it stands, in words")
    result: dict[str, Any] | None = Field(default=None, description="what it made (done)")
    error: dict[str, Any] | None = Field(
        default=None,
        description="the problem it ended in (failed): code, detail and, where the problem "
        "names fields, its errors (field, code, message)",
    )


@dataclass
class Jobs:
    """A service's jobs: its table and a handler per kind."""

    table: Table
    handlers: Mapping[str, Handler]

    async def submit(
        self, session: AsyncSession, kind: str, params: Mapping[str, Any], caller: Identity
    ) -> JobRead:
        """Queue a job in the caller's transaction (it runs once that commits)."""
        if kind not in self.handlers:
            raise ValueError(f"no handler for jobs of kind {kind!r}")
        row = {
            "id": uuid.uuid4(),
            "kind": kind,
            "params": dict(params),
            "status": "queued",
            "submitted_by": caller.sub,
            "submitted_at": datetime.now(UTC),
        }
        await session.execute(self.table.insert().values(**row))
        return JobRead(**row)

    async def read(self, session: AsyncSession, job_id: uuid.UUID) -> JobRead:
        """The job (its route says who may read it: whoever may submit its kind)."""
        row = (
            (await session.execute(select(self.table).where(self.table.c.id == job_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"No job {job_id}", code="job_not_found")
        return JobRead(**{k: row[k] for k in JobRead.model_fields})

    async def claim(self, sessions: async_sessionmaker[AsyncSession]) -> Any | None:
        """The oldest queued job (or one whose replica died), marked running by this one."""
        t = self.table
        now = datetime.now(UTC)
        waiting = (
            select(t.c.id)
            .where(
                (t.c.status == "queued")
                | ((t.c.status == "running") & (t.c.heartbeat_at < now - STALE))
            )
            .order_by(t.c.submitted_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        async with sessions.begin() as session:
            return (
                (
                    await session.execute(
                        update(t)
                        .where(t.c.id == waiting.scalar_subquery())
                        .values(status="running", started_at=now, heartbeat_at=now)
                        .returning(t)
                    )
                )
                .mappings()
                .first()
            )

    async def run_one(self, sessions: async_sessionmaker[AsyncSession]) -> bool:
        """Claim and run one job; False when none waits."""
        job = await self.claim(sessions)
        if job is None:
            return False
        beating = asyncio.create_task(self._beat(sessions, job["id"]))
        try:
            result = await self.handlers[job["kind"]](job["params"])
        except asyncio.CancelledError:
            raise  # the service stops: the job is claimed again after STALE
        except ProblemError as exc:
            await self._finish(sessions, job["id"], error=exc)
        except Exception as exc:
            log.exception("job failed", extra={"job": str(job["id"]), "kind": job["kind"]})
            await self._finish(sessions, job["id"], error=exc)
        else:
            await self._finish(sessions, job["id"], result=result)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        return True

    async def _beat(self, sessions: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(BEAT_S)
            with contextlib.suppress(Exception):
                async with sessions.begin() as session:
                    await session.execute(
                        update(self.table)
                        .where(self.table.c.id == job_id)
                        .values(heartbeat_at=datetime.now(UTC))
                    )

    async def _finish(
        self,
        sessions: async_sessionmaker[AsyncSession],
        job_id: uuid.UUID,
        *,
        result: dict[str, Any] | None = None,
        error: BaseException | None = None,
    ) -> None:
        problem: dict[str, Any] | None = None
        if isinstance(error, ProblemError):
            problem = {"code": error.instance_code, "detail": error.detail or str(error)}
            if error.errors:  # each field's (an import's rows: line and field)
                problem["errors"] = [e.model_dump() for e in error.errors]
        elif error is not None:
            problem = {"code": "job_failed", "detail": "the job failed; see the service's log"}
        async with sessions.begin() as session:
            await session.execute(
                update(self.table)
                .where(self.table.c.id == job_id)
                .values(
                    status="failed" if error is not None else "done",
                    finished_at=datetime.now(UTC),
                    result=result,
                    error=problem,
                )
            )

    async def work(self, sessions: async_sessionmaker[AsyncSession], idle_s: float = 1.0) -> None:
        """Background loop of a service: run jobs as they come."""
        while True:
            if not await self.run_one(sessions):
                await asyncio.sleep(idle_s)
