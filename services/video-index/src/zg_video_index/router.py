"""HTTP endpoints of the video index: the registry (GeoJSON) and the spatial questions — which
cameras see a point, the nearest ones, those in a grid or an area. Camera places are not
public (public-security cameras among them): officers and the command centre read them;
stream addresses only for the roles allowed to watch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel, Field
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import policy, require
from zg_common.db import request_session, unit_of_work
from zg_common.errors import FieldError, GridNotFound, NotFound, ValidationFailed
from zg_common.geojson import Feature, FeatureCollection, GeoJSONResponse, Geometry
from zg_common.identity import Identity
from zg_video_index import alarms, links
from zg_video_index.models import Camera
from zg_video_index.registry import LiveIndex
from zg_video_index.schemas import (
    CAMERA_ID,
    AlarmIn,
    AlarmRead,
    CameraProperties,
    Kind,
    SeenBy,
    Status,
)

router = APIRouter(prefix="/api/v1", tags=["cameras"])
Session = Annotated[AsyncSession, Depends(request_session, scope="function")]
Reader = Annotated[Identity, require("cameras.read")]
CameraId = Annotated[str, Path(pattern=CAMERA_ID)]
Lat = Annotated[float, Query(ge=-90, le=90)]
Lon = Annotated[float, Query(ge=-180, le=180)]


class CameraNotFound(NotFound):
    code = "camera_not_found"
    title = "Camera not found"


def _properties(camera: Camera, caller: Identity) -> dict[str, Any]:
    shown = CameraProperties.model_validate(camera, from_attributes=True).model_dump()
    if not policy().allows(caller, "cameras.watch"):
        shown["stream_url"] = None
    return shown


def camera_feature(camera: Camera, caller: Identity) -> Feature[CameraProperties]:
    return Feature[CameraProperties](
        id=camera.id,
        geometry=Geometry(type="Point", coordinates=[camera.lon, camera.lat]),
        properties=CameraProperties.model_validate(_properties(camera, caller)),
    )


def seen_feature(camera: Camera, distance_m: float, caller: Identity) -> Feature[SeenBy]:
    return Feature[SeenBy](
        id=camera.id,
        geometry=Geometry(type="Point", coordinates=[camera.lon, camera.lat]),
        properties=SeenBy(**_properties(camera, caller), distance_m=round(distance_m, 2)),
    )


async def _ranked(
    session: AsyncSession, found: list[tuple[str, float]], caller: Identity
) -> FeatureCollection[SeenBy]:
    rows = {
        c.id: c
        for c in await session.scalars(select(Camera).where(Camera.id.in_([i for i, _ in found])))
    }
    return FeatureCollection[SeenBy](
        features=[seen_feature(rows[c], d, caller) for c, d in found if c in rows]
    )


def _live(request: Request) -> LiveIndex:
    live: LiveIndex = request.app.state.runtime.state["index"]
    return live


@router.get(
    "/cameras",
    response_model=FeatureCollection[CameraProperties],
    response_class=GeoJSONResponse,
    summary="The registry: cameras in service (GeoJSON points, paged by cursor)",
)
async def read_cameras(
    caller: Reader,
    session: Session,
    kind: Kind | None = None,
    state: Annotated[Status | None, Query(alias="status")] = None,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    cursor: Annotated[str | None, Query(max_length=40, description="next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> FeatureCollection[CameraProperties]:
    query = select(Camera).where(Camera.retired_at.is_(None)).order_by(Camera.id).limit(limit)
    if kind:
        query = query.where(Camera.kind == kind)
    if state:
        query = query.where(Camera.status == state)
    if grid_id:
        query = query.where(Camera.grid_id == grid_id)
    if cursor:
        query = query.where(Camera.id > cursor)
    cameras = list(await session.scalars(query))
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
    caller: Reader, lat: Lat, lon: Lon, request: Request, session: Session
) -> FeatureCollection[SeenBy]:
    return await _ranked(session, _live(request).index.covering(lat, lon), caller)


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
    request: Request,
    session: Session,
    n: Annotated[int, Query(ge=1, le=100)] = 10,
    within_m: Annotated[float | None, Query(gt=0, le=50_000)] = None,
) -> FeatureCollection[SeenBy]:
    found = _live(request).index.nearest(lat, lon, n, within_m=within_m)
    return await _ranked(session, found, caller)


@router.get(
    "/cameras/in-grid/{grid_id}",
    response_model=FeatureCollection[CameraProperties],
    response_class=GeoJSONResponse,
    summary="The cameras inside a grid (its boundary included)",
)
async def read_in_grid(
    caller: Reader,
    grid_id: Annotated[str, Path(pattern=r"^G\d{2,3}$")],
    request: Request,
    session: Session,
) -> FeatureCollection[CameraProperties]:
    shapes = request.app.state.runtime.state["grid_shapes"]
    if grid_id not in shapes:
        raise GridNotFound(f"No grid {grid_id}")
    return await _inside(session, _live(request).index.within(shape(shapes[grid_id])), caller)


class Area(BaseModel):
    """A GeoJSON Polygon or MultiPolygon (longitude, latitude)."""

    type: str = Field(pattern="^(Polygon|MultiPolygon)$")
    coordinates: list[Any] = Field(min_length=1, max_length=100)


@router.post(
    "/cameras/within",
    response_model=FeatureCollection[CameraProperties],
    response_class=GeoJSONResponse,
    summary="The cameras inside an area drawn on the map (a GeoJSON polygon; boundary included)",
)
async def read_within(
    caller: Reader, area: Area, request: Request, session: Session
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
    return await _inside(session, _live(request).index.within(geometry), caller)


async def _inside(
    session: AsyncSession, ids: list[str], caller: Identity
) -> FeatureCollection[CameraProperties]:
    cameras = list(
        await session.scalars(select(Camera).where(Camera.id.in_(ids)).order_by(Camera.id))
    )
    return FeatureCollection[CameraProperties](
        features=[camera_feature(c, caller) for c in cameras]
    )


@router.get(
    "/cameras/by-case/{case_id}",
    response_model=FeatureCollection[SeenBy],
    response_class=GeoJSONResponse,
    summary="The cameras that saw a case's place when it was reported, nearest first",
)
async def read_case_cameras(
    caller: Reader, case_id: uuid.UUID, session: Session
) -> FeatureCollection[SeenBy]:
    return FeatureCollection[SeenBy](
        features=[
            seen_feature(camera, distance, caller)
            for camera, distance in await links.cameras_of(session, case_id)
        ]
    )


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
    request: Request,
) -> AlarmRead:
    if body.detected_at.tzinfo is None:
        message = "detected_at needs a UTC offset"
        raise ValidationFailed(
            message,
            errors=[FieldError(field="detected_at", code="naive_datetime", message=message)],
        )
    runtime = request.app.state.runtime
    alarm = alarms.Alarm(
        body.alarm_id,
        body.camera_id,
        body.category,
        body.detected_at,
        body.confidence,
        body.snapshot_url,
        body.description,
    )
    async with unit_of_work(runtime.sessions) as session:
        camera, new = await alarms.raise_alarm(
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
    caller: Reader,
    camera_id: CameraId,
    session: Session,
) -> Feature[CameraProperties]:
    camera = await session.get(Camera, camera_id)
    if camera is None or camera.retired_at is not None:
        raise CameraNotFound(f"No camera {camera_id}")
    return camera_feature(camera, caller)


class StreamRead(BaseModel):
    camera_id: str
    stream_url: str | None = Field(description="RTSP/HLS; null when the camera has none")
    status: Status


@router.get(
    "/cameras/{camera_id}/stream",
    response_model=StreamRead,
    summary="Watch a camera: its stream address (the roles allowed to watch)",
)
async def read_stream(
    caller: Annotated[Identity, require("cameras.watch")],
    camera_id: CameraId,
    session: Session,
) -> StreamRead:
    camera = await session.get(Camera, camera_id)
    if camera is None or camera.retired_at is not None:
        raise CameraNotFound(f"No camera {camera_id}")
    return StreamRead(camera_id=camera.id, stream_url=camera.stream_url, status=camera.status)
