"""HTTP endpoints that change the registry (managers): add, change and retire cameras; import
a CSV or GeoJSON file with a row-level error report (all or nothing, or keep the good rows, as
the caller chooses); export the registry in either format; and the video platforms'
heartbeats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from zg_common.authz import policy, require
from zg_common.db import SessionDep
from zg_common.errors import FieldError, UnsupportedMediaType
from zg_common.geojson import Feature, GeoJSONResponse
from zg_common.identity import Identity
from zg_video_index import health, service, transfer
from zg_video_index.dependencies import StateDep
from zg_video_index.registry import RowError
from zg_video_index.router import CameraId
from zg_video_index.schemas import (
    BeatRefusal,
    CameraIn,
    CameraPatch,
    CameraProperties,
    HeartbeatsIn,
    HeartbeatsRead,
    ImportReport,
    ImportRowError,
    camera_feature,
)

router = APIRouter(prefix="/api/v1", tags=["cameras"])
Manager = Annotated[Identity, require("cameras.manage")]


@router.post(
    "/cameras",
    status_code=status.HTTP_201_CREATED,
    response_model=Feature[CameraProperties],
    response_class=GeoJSONResponse,
    summary="Register a camera",
)
async def create_camera(
    caller: Manager, body: CameraIn, state: StateDep, session: SessionDep
) -> Any:
    camera = await service.register_camera(session, body, state=state, now=datetime.now(UTC))
    return camera_feature(camera, caller)


@router.patch(
    "/cameras/{camera_id}",
    response_model=Feature[CameraProperties],
    response_class=GeoJSONResponse,
    summary="Change a camera (moved, turned, new stream, new owner ...)",
)
async def update_camera(
    caller: Manager, camera_id: CameraId, body: CameraPatch, state: StateDep, session: SessionDep
) -> Any:
    changes = body.model_dump(exclude_unset=True)
    camera = await service.change_camera(
        session, camera_id, changes, state=state, now=datetime.now(UTC)
    )
    return camera_feature(camera, caller)


@router.post(
    "/cameras/{camera_id}/retire",
    response_model=Feature[CameraProperties],
    response_class=GeoJSONResponse,
    summary="Take a camera out of service (it leaves the spatial questions; kept for the record)",
)
async def retire_camera(
    caller: Manager, camera_id: CameraId, state: StateDep, session: SessionDep
) -> Any:
    camera = await service.retire_camera(session, camera_id, state=state, now=datetime.now(UTC))
    return camera_feature(camera, caller)


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
    caller: Manager,
    request: Request,
    state: StateDep,
    session: SessionDep,
    mode: service.ImportMode = "all_or_nothing",
) -> ImportReport:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise service.rejected(
            [RowError(1, "document", "not_utf8", "the file is not UTF-8")]
        ) from None
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
        raise service.rejected([unreadable.error]) from unreadable
    imported = await service.import_cameras(
        session,
        rows,
        transfer.shape_errors(rows),
        mode=mode,
        state=state,
        now=datetime.now(UTC),
    )
    return ImportReport(
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


@router.get(
    "/cameras/export",
    summary="The registry's cameras in service as CSV or GeoJSON (the import's columns)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/geo+json": {}}}},
)
async def export_cameras(
    caller: Manager,
    session: SessionDep,
    format: Annotated[service.ExportFormat, Query()] = "csv",
) -> Response:
    cameras = await service.cameras_in_service(session)
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
    caller: Annotated[Identity, require("cameras.report")],
    body: HeartbeatsIn,
    state: StateDep,
    session: SessionDep,
) -> HeartbeatsRead:
    beats = [health.Beat(b.camera_id, b.at, b.state, b.fault, b.lat, b.lon) for b in body.beats]
    taken, refused = await service.receive_heartbeats(
        session, beats, state=state, now=datetime.now(UTC)
    )
    return HeartbeatsRead(
        taken=taken,
        refused=[
            BeatRefusal(index=r.index, camera_id=r.camera_id, code=r.code, message=r.message)
            for r in refused
        ],
    )
