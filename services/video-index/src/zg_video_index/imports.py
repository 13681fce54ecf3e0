"""A camera import is a job (`zg_common.jobs`), not a long request: `POST /cameras/import` keeps
the file and answers 202 with the job at once; a worker of any replica reads, checks and stores
the rows; the job's `result` is the import's report — or, refused all or nothing, its `error`
is the `import_rejected` problem with each row's error. A whole city's registry (up to
`service.MAX_ROWS` rows) never races the gateway's deadline."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, String, Table, Text, Uuid, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import unit_of_work
from zg_common.errors import FieldError, ProblemError, UnsupportedMediaType
from zg_common.identity import Identity
from zg_common.jobs import JobRead, Jobs, job_table
from zg_video_index import service, transfer
from zg_video_index.models import metadata
from zg_video_index.registry import RowError
from zg_video_index.runtime import VideoIndexRuntime
from zg_video_index.schemas import ImportReport, ImportRowError

KIND = "cameras.import"
TABLE = job_table(metadata)
# the file of a job not yet run (deleted with the run)
FILES = Table(
    "import_file",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("content_type", String(50), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
CSV = ("text/csv", "application/csv")
GEOJSON = ("application/geo+json", "application/json")


def readable(content_type: str, raw: bytes) -> str:
    """The file's text, or at once the problem a job would only find later: a type that is
    not CSV or GeoJSON (415), bytes that are not UTF-8 (422)."""
    if content_type not in CSV + GEOJSON:
        raise UnsupportedMediaType(
            "send text/csv or application/geo+json",
            errors=[FieldError(field="content-type", code="unsupported", message=content_type)],
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise service.rejected(
            [RowError(1, "document", "not_utf8", "the file is not UTF-8")]
        ) from None


async def submit(
    session: AsyncSession,
    jobs: Jobs,
    *,
    content_type: str,
    text: str,
    mode: service.ImportMode,
    caller: Identity,
) -> JobRead:
    """Keep the file and queue its import, in the request's transaction."""
    file_id = uuid.uuid4()
    await session.execute(
        FILES.insert().values(
            id=file_id, content_type=content_type, body=text, received_at=datetime.now(UTC)
        )
    )
    params = {"file": str(file_id), "mode": mode, "content_type": content_type}
    return await jobs.submit(session, KIND, params, caller)


def jobs_of(runtime: VideoIndexRuntime) -> Jobs:
    """The process's import jobs and their handler (made once)."""
    if runtime.state.jobs is None:

        async def run(params: Mapping[str, Any]) -> dict[str, Any]:
            return await import_file(runtime, uuid.UUID(params["file"]), params["mode"])

        runtime.state.jobs = Jobs(TABLE, {KIND: run})
    return runtime.state.jobs


async def import_file(
    runtime: VideoIndexRuntime, file_id: uuid.UUID, mode: service.ImportMode
) -> dict[str, Any]:
    """Read, check and store a kept file's rows; the file goes with the rows' transaction (or,
    refused, on its own)."""
    try:
        async with unit_of_work(runtime.sessions) as session:
            row = (await session.execute(select(FILES).where(FILES.c.id == file_id))).first()
            if row is None:
                raise service.rejected([RowError(1, "document", "gone", "the file is gone")])
            try:
                if row.content_type in CSV:
                    rows = transfer.rows_of_csv(row.body)
                else:
                    rows = transfer.rows_of_geojson(row.body)
            except transfer.Unreadable as unreadable:
                raise service.rejected([unreadable.error]) from unreadable
            imported = await service.import_cameras(
                session,
                rows,
                transfer.shape_errors(rows),
                mode=mode,
                state=runtime.state,
                now=datetime.now(UTC),
            )
            await session.execute(delete(FILES).where(FILES.c.id == file_id))
    except ProblemError:
        async with unit_of_work(runtime.sessions) as session:
            await session.execute(delete(FILES).where(FILES.c.id == file_id))
        raise
    report = ImportReport(
        mode=mode,
        rows=imported.rows,
        created=imported.created,
        updated=imported.updated,
        rejected=len({e.line for e in imported.errors}),
        errors=[
            ImportRowError(line=e.line, field=e.field, code=e.code, message=e.message)
            for e in imported.errors
        ],
    )
    return report.model_dump(mode="json")


async def work(runtime: VideoIndexRuntime) -> None:
    """Background loop: run the imports asked for, as they come."""
    await jobs_of(runtime).work(runtime.sessions)
