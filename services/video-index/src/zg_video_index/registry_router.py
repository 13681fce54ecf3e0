"""HTTP endpoints that change the registry (managers): add, change and retire cameras; import
a CSV or GeoJSON file with a row-level error report (all or nothing, or keep the good rows, as
the caller chooses); export the registry in either format; and the video platforms'
heartbeats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from zg_common.authz import policy, require
from zg_common.db import SessionDep
from zg_common.geojson import Feature, GeoJSONResponse
from zg_common.identity import Identity
from zg_common.jobs import JobRead
from zg_video_index import health, imports, service, transfer
from zg_video_index.dependencies import ImportJobsDep, StateDep
from zg_video_index.router import CameraId
from zg_video_index.schemas import (
    BeatRefusal,
    CameraIn,
    CameraPatch,
    CameraProperties,
    HeartbeatsIn,
    HeartbeatsRead,
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
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRead,
    summary="Import cameras from a CSV (text/csv) or GeoJSON (application/geo+json) file: a job",
    description="Columns / properties: id, kind, name, owner, lat, lon, height_m, heading_deg, "
    "fov_deg, range_m, stream_url (a GeoJSON feature's place is its Point). A camera that "
    "exists is updated. Answered at once with the import's job (`Location`: "
    "`/api/v1/camera-imports/{id}`); read it until it is `done` (its `result` is the report: "
    "rows, created, updated, rejected and each refused row's line, field and error) or "
    "`failed`. `mode=all_or_nothing` (default): any invalid row and nothing is stored (the job "
    "fails with `import_rejected`, each error with its line and field); `mode=keep_good`: the "
    "valid rows are stored and the report lists the others. A file that is not CSV or GeoJSON "
    "(415) or not UTF-8 (422) is refused at once.",
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {}, "application/geo+json": {}, "application/json": {}}
        }
    },
)
async def import_cameras(
    caller: Manager,
    request: Request,
    response: Response,
    session: SessionDep,
    jobs: ImportJobsDep,
    mode: service.ImportMode = "all_or_nothing",
) -> JobRead:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    text = imports.readable(content_type, await request.body())
    job = await imports.submit(
        session,
        jobs,
        content_type=content_type,
        text=text,
        mode=mode,
        caller=caller,
    )
    response.headers["Location"] = f"/api/v1/camera-imports/{job.id}"
    return job


@router.get(
    "/camera-imports/{job_id}",
    response_model=JobRead,
    summary="A camera import's job: queued, running, done (its report) or failed (why)",
)
async def read_import(
    caller: Manager, job_id: uuid.UUID, session: SessionDep, jobs: ImportJobsDep
) -> JobRead:
    return await jobs.read(session, job_id)


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
