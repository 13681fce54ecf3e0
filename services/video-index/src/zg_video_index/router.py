"""HTTP endpoints that read the registry: the cameras in service, which of them see a point,
the nearest, those in a grid or inside a drawn area, the cameras of a case, one camera and its
stream; and the video platforms' alarms. Stream addresses only for those who may watch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from shapely.geometry import shape

from zg_common.authz import require
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.errors import FieldError, ValidationFailed
from zg_common.geojson import Feature, FeatureCollection, GeoJSONResponse
from zg_common.identity import Identity
from zg_video_index import alarms, service
from zg_video_index.dependencies import StateDep
from zg_video_index.models import Camera
from zg_video_index.schemas import (
    CAMERA_ID,
    AlarmIn,
    AlarmRead,
    Area,
    CameraProperties,
    Kind,
    SeenBy,
    Status,
    StreamRead,
    camera_feature,
    seen_feature,
)

router = APIRouter(prefix="/api/v1", tags=["cameras"])
Reader = Annotated[Identity, require("cameras.read")]
CameraId = Annotated[str, Path(pattern=CAMERA_ID)]
Lat = Annotated[float, Query(ge=-90, le=90)]
Lon = Annotated[float, Query(ge=-180, le=180)]


def _seen(found: list[tuple[Camera, float]], caller: Identity) -> FeatureCollection[SeenBy]:
    return FeatureCollection[SeenBy](features=[seen_feature(c, d, caller) for c, d in found])


def _cameras(cameras: list[Camera], caller: Identity) -> FeatureCollection[CameraProperties]:
    return FeatureCollection[CameraProperties](
        features=[camera_feature(c, caller) for c in cameras]
    )


@router.get(
    "/cameras",
    response_model=FeatureCollection[CameraProperties],
    response_class=GeoJSONResponse,
    summary="The registry: cameras in service (GeoJSON points, paged by cursor)",
)
async def read_cameras(
    caller: Reader,
    session: SessionDep,
    kind: Kind | None = None,
    state: Annotated[Status | None, Query(alias="status")] = None,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    cursor: Annotated[str | None, Query(max_length=40, description="next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> FeatureCollection[CameraProperties]:
    cameras = await service.list_cameras(
        session, kind=kind, status=state, grid_id=grid_id, after=cursor, limit=limit
    )
    return FeatureCollection[CameraProperties](
        features=[camera_feature(c, caller) for c in cameras],
        next_cursor=cameras[-1].id if len(cameras) == limit else None,
    )


@router.get(
    "/cameras/seeing",
    response_model=FeatureCollection[SeenBy],
    response_class=GeoJSONResponse,
    summary="The cameras that can see a point (within range, inside the field of view), "
    "nearest first",
)
async def read_seeing(
    caller: Reader, lat: Lat, lon: Lon, state: StateDep, session: ReadSessionDep
) -> FeatureCollection[SeenBy]:
    return _seen(await service.seeing(session, lat, lon, state=state), caller)


@router.get(
    "/cameras/nearest",
    response_model=FeatureCollection[SeenBy],
    response_class=GeoJSONResponse,
    summary="The N cameras nearest a point, whichever way they look",
)
async def read_nearest(
    caller: Reader,
    lat: Lat,
    lon: Lon,
    state: StateDep,
    session: ReadSessionDep,
    n: Annotated[int, Query(ge=1, le=100)] = 10,
    within_m: Annotated[float | None, Query(gt=0, le=50_000)] = None,
) -> FeatureCollection[SeenBy]:
    found = await service.nearest(session, lat, lon, n, within_m=within_m, state=state)
    return _seen(found, caller)


@router.get(
    "/cameras/in-grid/{grid_id}",
    response_model=FeatureCollection[CameraProperties],
    response_class=GeoJSONResponse,
    summary="The cameras inside a grid (its boundary included)",
)
async def read_in_grid(
    caller: Reader,
    grid_id: Annotated[str, Path(pattern=r"^G\d{2,3}$")],
    state: StateDep,
    session: SessionDep,
) -> FeatureCollection[CameraProperties]:
    return _cameras(await service.in_grid(session, grid_id, state=state), caller)


@router.post(
    "/cameras/within",
    response_model=FeatureCollection[CameraProperties],
    response_class=GeoJSONResponse,
    summary="The cameras inside an area drawn on the map (a GeoJSON polygon; boundary included)",
)
async def read_within(
    caller: Reader, area: Area, state: StateDep, session: SessionDep
) -> FeatureCollection[CameraProperties]:
    try:
        geometry = shape(area.model_dump())
        valid = geometry.is_valid and not geometry.is_empty
    except (ValueError, TypeError, IndexError, AttributeError):
        valid = False
    if not valid:
        message = "not a valid polygon (closed rings of longitude, latitude, not self-crossing)"
        raise ValidationFailed(
            message,
            errors=[FieldError(field="coordinates", code="invalid_polygon", message=message)],
        )
    return _cameras(await service.inside(session, geometry, state=state), caller)


@router.get(
    "/cameras/by-case/{case_id}",
    response_model=FeatureCollection[SeenBy],
    response_class=GeoJSONResponse,
    summary="The cameras that saw a case's place when it was reported, nearest first",
)
async def read_case_cameras(
    caller: Reader, case_id: uuid.UUID, session: SessionDep
) -> FeatureCollection[SeenBy]:
    return _seen(await service.cameras_of_case(session, case_id), caller)


@router.post(
    "/camera-alarms",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AlarmRead,
    tags=["camera alarms"],
    summary="A video-analytics platform raises an alarm at a camera; intake makes it a case",
    description="The camera must be in the registry (422 `unknown_camera`); its place is the "
    "case's. The same alarm id from the same platform is taken once (`repeated`); another "
    "alarm of the same thing near the same place joins the open case (intake's duplicate rule "
    "of the category).",
)
async def raise_alarm(
    caller: Annotated[Identity, require("camera_alarms.raise")],
    body: AlarmIn,
    session: SessionDep,
) -> AlarmRead:
    alarm = alarms.Alarm(
        body.alarm_id,
        body.camera_id,
        body.category,
        body.detected_at,
        body.confidence,
        body.snapshot_url,
        body.description,
    )
    camera, new = await service.raise_alarm(
        session, alarm, partner=caller.sub, now=datetime.now(UTC)
    )
    return AlarmRead(
        alarm_id=body.alarm_id,
        camera_id=camera.id,
        lat=camera.lat,
        lon=camera.lon,
        repeated=not new,
    )


@router.get(
    "/cameras/{camera_id}",
    response_model=Feature[CameraProperties],
    response_class=GeoJSONResponse,
    summary="One camera",
)
async def read_camera(
    caller: Reader, camera_id: CameraId, session: SessionDep
) -> Feature[CameraProperties]:
    return camera_feature(await service.camera(session, camera_id), caller)


@router.get(
    "/cameras/{camera_id}/stream",
    response_model=StreamRead,
    summary="Watch a camera: its stream address (the roles allowed to watch)",
)
async def read_stream(
    caller: Annotated[Identity, require("cameras.watch")],
    camera_id: CameraId,
    session: SessionDep,
) -> StreamRead:
    camera = await service.camera(session, camera_id)
    return StreamRead(camera_id=camera.id, stream_url=camera.stream_url, status=camera.status)
