"""Use cases of the video index: the managers' changes to the registry (one camera or a whole
file), the video platforms' heartbeats and alarms, and the spatial questions. Each runs in the
caller's unit of work and never commits; a write to the registry asks this process's camera
index to learn it once committed (other replicas' indexes follow within a second)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.db import after_commit
from zg_common.errors import Conflict, FieldError, ProblemError, ValidationFailed
from zg_video_index import alarms, health, registry, repository
from zg_video_index.exceptions import CameraNotFound, GridNotFound, ImportRejected
from zg_video_index.models import Camera
from zg_video_index.registry import RowError
from zg_video_index.runtime import State, VideoIndexRuntime
from zg_video_index.schemas import CameraIn, Kind, Status

ImportMode = Literal["all_or_nothing", "keep_good"]
ExportFormat = Literal["csv", "geojson"]
log = logging.getLogger(__name__)

MAX_ROWS = 200_000


@dataclass(frozen=True)
class Imported:
    rows: int
    created: int
    updated: int
    errors: list[RowError]


async def _learn(session: AsyncSession, state: State) -> None:
    """This process's index learns the unit of work's writes as soon as they are committed
    (and whatever else has committed before them)."""
    own = await registry.own_transaction(session)
    after_commit(session, lambda: state.index.catch_up_with(session, own=own))


def _single(errors: list[RowError]) -> ProblemError:
    return ValidationFailed(
        errors[0].message,
        errors=[FieldError(field=e.field, code=e.code, message=e.message) for e in errors],
    )


def rejected(errors: list[RowError]) -> ProblemError:
    return ImportRejected(
        f"{len(errors)} invalid rows or fields; nothing was stored",
        errors=registry.field_errors(errors[:1000]),
    )


async def register_camera(
    session: AsyncSession, camera: CameraIn, *, state: State, now: datetime
) -> Camera:
    checked = registry.check_rows([(1, camera.model_dump())], state.grids)
    if checked.errors:
        raise _single(checked.errors)
    if await repository.camera_exists(session, camera.id):
        raise Conflict(f"camera {camera.id} is registered already (PATCH it)")
    await registry.store(session, checked.cameras, state.grids, now=now)
    await _learn(session, state)
    stored = await repository.camera_in_service(session, camera.id)
    assert stored is not None
    return stored


async def change_camera(
    session: AsyncSession,
    camera_id: str,
    changes: dict[str, Any],
    *,
    state: State,
    now: datetime,
) -> Camera:
    """Apply the changes, the camera checked as a whole afterwards."""
    camera = await repository.camera_in_service(session, camera_id, for_update=True)
    if camera is None:
        raise CameraNotFound(f"No camera {camera_id}")
    merged = {k: getattr(camera, k) for k in ("id", *registry.WRITABLE)}
    merged.update(changes)
    try:
        CameraIn.model_validate(merged)
    except ValidationError as exc:
        raise _single(
            [
                RowError(1, ".".join(map(str, e["loc"])) or "body", e["type"], e["msg"])
                for e in exc.errors()
            ]
        ) from exc
    checked = registry.check_rows([(1, merged)], state.grids)
    if checked.errors:
        raise _single(checked.errors)
    await registry.store(session, checked.cameras, state.grids, now=now)
    await _learn(session, state)
    stored = await repository.camera_in_service(session, camera_id)
    assert stored is not None
    return stored


async def retire_camera(
    session: AsyncSession, camera_id: str, *, state: State, now: datetime
) -> Camera:
    camera = await repository.camera_in_service(session, camera_id, for_update=True)
    if camera is None:
        raise CameraNotFound(f"No camera {camera_id}")
    camera.retired_at = camera.updated_at = now
    await session.flush()
    await _learn(session, state)
    return camera


async def import_cameras(
    session: AsyncSession,
    rows: list[tuple[int, dict[str, Any]]],
    shape_errors: list[RowError],
    *,
    mode: ImportMode,
    state: State,
    now: datetime,
) -> Imported:
    """Store the valid rows of a file: all or nothing (any error refuses the file), or the
    good ones with a report of the others."""
    if len(rows) > MAX_ROWS:
        raise rejected([RowError(1, "document", "too_many_rows", f"at most {MAX_ROWS} rows")])
    skipped = {e.line for e in shape_errors}
    checked = registry.check_rows([r for r in rows if r[0] not in skipped], state.grids)
    errors = sorted(shape_errors + checked.errors, key=lambda e: (e.line, e.field))
    if errors and mode == "all_or_nothing":
        raise rejected(errors)
    created, updated = await registry.store(session, checked.cameras, state.grids, now=now)
    await _learn(session, state)
    return Imported(len(rows), created, updated, errors)


async def receive_heartbeats(
    session: AsyncSession, beats: list[health.Beat], *, state: State, now: datetime
) -> tuple[int, list[health.BeatRefused]]:
    if any(b.at.tzinfo is None for b in beats):
        raise ValidationFailed(
            "heartbeat times need a UTC offset",
            errors=[FieldError(field="beats.at", code="naive_datetime", message="add an offset")],
        )
    taken, refused = await health.receive(session, beats, now=now, grid_of=state.grids.grid_of)
    await _learn(session, state)  # mobile units moved
    return taken, refused


async def raise_alarm(
    session: AsyncSession, alarm: alarms.Alarm, *, partner: str, now: datetime
) -> tuple[Camera, bool]:
    if alarm.detected_at.tzinfo is None:
        message = "detected_at needs a UTC offset"
        raise ValidationFailed(
            message,
            errors=[FieldError(field="detected_at", code="naive_datetime", message=message)],
        )
    return await alarms.raise_alarm(session, alarm, partner=partner, now=now)


async def list_cameras(
    session: AsyncSession,
    *,
    kind: Kind | None,
    status: Status | None,
    grid_id: str | None,
    after: str | None,
    limit: int,
) -> list[Camera]:
    return await repository.list_cameras(
        session, kind=kind, status=status, grid_id=grid_id, after=after, limit=limit
    )


async def cameras_in_service(session: AsyncSession) -> list[Camera]:
    return await repository.cameras_in_service(session)


async def camera(session: AsyncSession, camera_id: str) -> Camera:
    found = await repository.camera_in_service(session, camera_id)
    if found is None:
        raise CameraNotFound(f"No camera {camera_id}")
    return found


async def ranked(
    session: AsyncSession, found: list[tuple[str, float]]
) -> list[tuple[Camera, float]]:
    """The index's answer as cameras, in its order (nearest first)."""
    rows = await repository.cameras_by_id(session, [i for i, _ in found])
    return [(rows[c], d) for c, d in found if c in rows]


async def seeing(
    session: AsyncSession, lat: float, lon: float, *, state: State
) -> list[tuple[Camera, float]]:
    return await ranked(session, state.index.index.covering(lat, lon))


async def nearest(
    session: AsyncSession,
    lat: float,
    lon: float,
    n: int,
    *,
    within_m: float | None,
    state: State,
) -> list[tuple[Camera, float]]:
    return await ranked(session, state.index.index.nearest(lat, lon, n, within_m=within_m))


async def inside(session: AsyncSession, area: BaseGeometry, *, state: State) -> list[Camera]:
    ids = state.index.index.within(area)
    return sorted((await repository.cameras_by_id(session, ids)).values(), key=lambda c: c.id)


async def in_grid(session: AsyncSession, grid_id: str, *, state: State) -> list[Camera]:
    if grid_id not in state.grids.shapes:
        raise GridNotFound(f"No grid {grid_id}")
    return await inside(session, shape(state.grids.shapes[grid_id]), state=state)


async def cameras_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[tuple[Camera, float]]:
    return await repository.cameras_of_case(session, case_id)


async def follow_registry(runtime: VideoIndexRuntime) -> None:
    """Background loop: keep this process's index right with the registry (other replicas'
    writes, in commit order), and rebuild it from the whole registry now and then."""
    live = runtime.state.index
    settings = runtime.settings
    clock = asyncio.get_running_loop().time
    reconciled = clock()
    while True:
        await live.catch_up(runtime.sessions)
        if clock() - reconciled >= settings.index_reconcile_interval_s:
            if drifted := await live.reconcile(runtime.sessions):
                log.warning("the camera index had drifted", extra={"cameras": drifted})
            reconciled = clock()
        await asyncio.sleep(settings.index_refresh_interval_s)
