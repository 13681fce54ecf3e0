"""HTTP endpoints that change the registry (managers): add, change and retire cameras; import
a CSV or GeoJSON file with a row-level error report (all or nothing, or keep the good rows, as
the caller chooses); export the registry in either format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import ValidationError
from sqlalchemy import select

from zg_common.authz import policy, require
from zg_common.db import unit_of_work
from zg_common.errors import (
    Conflict,
    FieldError,
    ProblemError,
    UnsupportedMediaType,
    ValidationFailed,
)
from zg_common.geojson import Feature, GeoJSONResponse
from zg_common.identity import Identity
from zg_video_index import health, registry, transfer
from zg_video_index.models import Camera
from zg_video_index.registry import LiveIndex, RowError
from zg_video_index.router import CameraId, CameraNotFound, camera_feature
from zg_video_index.schemas import (
    BeatRefusal,
    CameraIn,
    CameraPatch,
    CameraProperties,
    HeartbeatsIn,
    HeartbeatsRead,
    ImportReport,
    ImportRowError,
)

router = APIRouter(prefix="/api/v1", tags=["cameras"])
Manager = Annotated[Identity, require("cameras.manage")]
Mode = Literal["all_or_nothing", "keep_good"]
MAX_ROWS = 200_000


class ImportRejected(ProblemError):
    status, code, title = 422, "import_rejected", "The file has invalid rows; nothing was stored"


def _invalid(errors: list[RowError]) -> ProblemError:
    return ImportRejected(
        f"{len(errors)} invalid rows or fields; nothing was stored",
        errors=registry.field_errors(errors[:1000]),
    )


async def _applied(request: Request) -> None:
    """This process's index learns its own writes at once (others within a second)."""
    runtime = request.app.state.runtime
    live: LiveIndex = runtime.state["index"]
    await live.catch_up(runtime.sessions)


@router.post(
    "/cameras",
    status_code=status.HTTP_201_CREATED,
    response_model=Feature[CameraProperties],
    response_class=GeoJSONResponse,
    summary="Register a camera",
)
async def create_camera(caller: Manager, body: CameraIn, request: Request) -> Any:
    runtime = request.app.state.runtime
    grids = runtime.state["grids"]
    checked = registry.check_rows([(1, body.model_dump())], grids)
    if checked.errors:
        raise _single(checked.errors)
    async with unit_of_work(runtime.sessions) as session:
        if await session.get(Camera, body.id) is not None:
            raise Conflict(f"camera {body.id} is registered already (PATCH it)")
        await registry.store(session, checked.cameras, grids, now=datetime.now(UTC))
    await _applied(request)
    return await _read(request, body.id, caller)


def _single(errors: list[RowError]) -> ProblemError:
    return ValidationFailed(
        errors[0].message,
        errors=[FieldError(field=e.field, code=e.code, message=e.message) for e in errors],
    )


async def _read(request: Request, camera_id: str, caller: Identity) -> Feature[CameraProperties]:
    async with request.app.state.runtime.sessions() as session:
        camera = await session.get(Camera, camera_id)
    assert camera is not None
    return camera_feature(camera, caller)


@router.patch(
    "/cameras/{camera_id}",
    response_model=Feature[CameraProperties],
    response_class=GeoJSONResponse,
    summary="Change a camera (moved, turned, new stream, new owner ...)",
)
async def update_camera(
    caller: Manager, camera_id: CameraId, body: CameraPatch, request: Request
) -> Any:
    runtime = request.app.state.runtime
    grids = runtime.state["grids"]
    async with unit_of_work(runtime.sessions) as session:
        camera = await session.get(Camera, camera_id, with_for_update=True)
        if camera is None or camera.retired_at is not None:
            raise CameraNotFound(f"No camera {camera_id}")
        merged = {k: getattr(camera, k) for k in ("id", *registry.WRITABLE)}
        merged.update(body.model_dump(exclude_unset=True))
        try:
            CameraIn.model_validate(merged)
        except ValidationError as exc:
            raise _single(
                [
                    RowError(1, ".".join(map(str, e["loc"])) or "body", e["type"], e["msg"])
                    for e in exc.errors()
                ]
            ) from exc
        checked = registry.check_rows([(1, merged)], grids)
        if checked.errors:
            raise _single(checked.errors)
        await registry.store(session, checked.cameras, grids, now=datetime.now(UTC))
    await _applied(request)
    return await _read(request, camera_id, caller)


@router.post(
    "/cameras/{camera_id}/retire",
    response_model=Feature[CameraProperties],
    response_class=GeoJSONResponse,
    summary="Take a camera out of service (it leaves the spatial questions; kept for the record)",
)
async def retire_camera(caller: Manager, camera_id: CameraId, request: Request) -> Any:
    runtime = request.app.state.runtime
    async with unit_of_work(runtime.sessions) as session:
        camera = await session.get(Camera, camera_id, with_for_update=True)
        if camera is None or camera.retired_at is not None:
            raise CameraNotFound(f"No camera {camera_id}")
        now = datetime.now(UTC)
        camera.retired_at = camera.updated_at = now
        shown = camera_feature(camera, caller)
    await _applied(request)
    return shown


@router.post(
    "/cameras/import",
    response_model=ImportReport,
    summary="Import cameras from a CSV (text/csv) or GeoJSON (application/geo+json) file",
    description="Columns / properties: id, kind, name, owner, lat, lon, height_m, heading_deg, "
    "fov_deg, range_m, stream_url (a GeoJSON feature's place is its Point). A camera that "
    "exists is updated. `mode=all_or_nothing` (default): any invalid row and nothing is stored "
    "(422 `import_rejected`, each error with its line and field); `mode=keep_good`: the valid "
    "rows are stored and the report lists the others.",
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {}, "application/geo+json": {}, "application/json": {}}
        }
    },
)
async def import_cameras(
    caller: Manager, request: Request, mode: Mode = "all_or_nothing"
) -> ImportReport:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid([RowError(1, "document", "not_utf8", "the file is not UTF-8")]) from None
    try:
        if kind in ("text/csv", "application/csv"):
            rows = transfer.rows_of_csv(text)
        elif kind in ("application/geo+json", "application/json"):
            rows = transfer.rows_of_geojson(text)
        else:
            raise UnsupportedMediaType(
                "send text/csv or application/geo+json",
                errors=[FieldError(field="content-type", code="unsupported", message=kind)],
            )
    except transfer.Unreadable as unreadable:
        raise _invalid([unreadable.error]) from unreadable
    if len(rows) > MAX_ROWS:
        raise _invalid([RowError(1, "document", "too_many_rows", f"at most {MAX_ROWS} rows")])
    runtime = request.app.state.runtime
    grids = runtime.state["grids"]
    bad_shape = transfer.shape_errors(rows)
    skipped = {e.line for e in bad_shape}
    checked = registry.check_rows([r for r in rows if r[0] not in skipped], grids)
    errors = sorted(bad_shape + checked.errors, key=lambda e: (e.line, e.field))
    if errors and mode == "all_or_nothing":
        raise _invalid(errors)
    async with unit_of_work(runtime.sessions) as session:
        created, updated = await registry.store(
            session, checked.cameras, grids, now=datetime.now(UTC)
        )
    await _applied(request)
    return ImportReport(
        mode=mode,
        rows=len(rows),
        created=created,
        updated=updated,
        rejected=len({e.line for e in errors}),
        errors=[
            ImportRowError(line=e.line, field=e.field, code=e.code, message=e.message)
            for e in errors
        ],
    )


@router.get(
    "/cameras/export",
    summary="The registry's cameras in service as CSV or GeoJSON (the import's columns)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/geo+json": {}}}},
)
async def export_cameras(
    caller: Manager,
    request: Request,
    format: Annotated[Literal["csv", "geojson"], Query()] = "csv",
) -> Response:
    async with request.app.state.runtime.sessions() as session:
        cameras = list(
            await session.scalars(
                select(Camera).where(Camera.retired_at.is_(None)).order_by(Camera.id)
            )
        )
    streams = policy().allows(caller, "cameras.watch")
    if format == "csv":
        body, media = transfer.to_csv(cameras, with_streams=streams), "text/csv; charset=utf-8"
    else:
        body, media = transfer.to_geojson(cameras, with_streams=streams), "application/geo+json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="cameras.{format}"'},
    )


@router.post(
    "/cameras/heartbeats",
    response_model=HeartbeatsRead,
    summary="Heartbeats from a video platform (up to 1,000 a call): each camera online, or in "
    "fault; mobile units with their fix",
    description="A camera not heard from within ZG_VIDEO_INDEX_HEARTBEAT_TIMEOUT_S (300 s) goes "
    "offline. Every change of status is published (`video.camera.status_changed.v1`). Beats "
    "for unknown cameras or with a time over an hour old or in the future are listed as "
    "refused; the others are taken.",
)
async def receive_heartbeats(
    caller: Annotated[Identity, require("cameras.report")], body: HeartbeatsIn, request: Request
) -> HeartbeatsRead:
    runtime = request.app.state.runtime
    if any(b.at.tzinfo is None for b in body.beats):
        raise ValidationFailed(
            "heartbeat times need a UTC offset",
            errors=[FieldError(field="beats.at", code="naive_datetime", message="add an offset")],
        )
    beats = [health.Beat(b.camera_id, b.at, b.state, b.fault, b.lat, b.lon) for b in body.beats]
    async with unit_of_work(runtime.sessions) as session:
        taken, refused = await health.receive(
            session, beats, now=datetime.now(UTC), grid_of=runtime.state["grids"].grid_of
        )
    await _applied(request)
    return HeartbeatsRead(
        taken=taken,
        refused=[
            BeatRefusal(index=r.index, camera_id=r.camera_id, code=r.code, message=r.message)
            for r in refused
        ],
    )
