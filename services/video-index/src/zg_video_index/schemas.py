"""API models of the video index."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zg_common.authz import policy
from zg_common.geojson import Feature, point
from zg_common.identity import Identity
from zg_video_index.models import Camera

Kind = Literal["public_security", "compound", "body", "vehicle"]
Status = Literal["unknown", "online", "offline", "fault"]
CAMERA_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
STREAM = r"^(rtsp|rtsps|rtmp|http|https)://[^\s]{1,490}$"


class CameraIn(BaseModel):
    """A camera as the API, imports and the data set give it. Fixed cameras (public security,
    compound) look along a heading; mobile units (body, vehicle) see all round (fov 360, no
    heading)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=CAMERA_ID, examples=["TW-00001"])
    kind: Kind
    name: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90, description="WGS84")
    lon: float = Field(ge=-180, le=180)
    height_m: float | None = Field(default=None, ge=0, le=300, description="mount height")
    heading_deg: float | None = Field(
        default=None, ge=0, lt=360, description="clockwise from north; fixed cameras"
    )
    fov_deg: float = Field(gt=0, le=360, description="horizontal field of view")
    range_m: float = Field(gt=0, le=2000, description="how far it usefully sees")
    stream_url: str | None = Field(default=None, pattern=STREAM, description="RTSP/HLS address")

    @model_validator(mode="after")
    def _view(self) -> Self:
        if self.kind in ("body", "vehicle"):
            if self.fov_deg != 360 or self.heading_deg is not None:
                raise ValueError("a mobile unit sees all round: fov_deg 360 and no heading_deg")
        elif self.fov_deg < 360 and self.heading_deg is None:
            raise ValueError("a fixed camera with a field of view under 360 needs heading_deg")
        return self


class CameraPatch(BaseModel):
    """What changes of a camera; the result is checked as a whole (CameraIn's rules)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    height_m: float | None = Field(default=None, ge=0, le=300)
    heading_deg: float | None = Field(default=None, ge=0, lt=360)
    fov_deg: float | None = Field(default=None, gt=0, le=360)
    range_m: float | None = Field(default=None, gt=0, le=2000)
    stream_url: str | None = Field(default=None, pattern=STREAM)


class CameraProperties(BaseModel):
    id: str
    kind: Kind
    name: str
    owner: str
    grid_id: str | None
    height_m: float | None
    heading_deg: float | None
    fov_deg: float
    range_m: float
    status: Status
    status_since: datetime
    last_heartbeat_at: datetime | None
    position_at: datetime | None = Field(description="mobile units: when the fix was taken")
    stream_url: str | None = Field(
        default=None, description="only for the roles allowed to watch (cameras.watch)"
    )


class SeenBy(CameraProperties):
    distance_m: float


class ImportRowError(BaseModel):
    line: int = Field(
        description="CSV: the line in the file (the header is line 1); GeoJSON: "
        "the feature's position, from 1"
    )
    field: str
    code: str
    message: str


class ImportReport(BaseModel):
    mode: Literal["all_or_nothing", "keep_good"]
    rows: int
    created: int
    updated: int
    rejected: int
    errors: list[ImportRowError]


class BeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    camera_id: str = Field(pattern=CAMERA_ID)
    at: datetime = Field(description="when the platform last heard the camera (with offset)")
    state: Literal["ok", "fault"]
    fault: str = Field(default="", max_length=200, examples=["lens covered", "no video signal"])
    lat: float | None = Field(default=None, ge=-90, le=90, description="mobile units: the fix")
    lon: float | None = Field(default=None, ge=-180, le=180)


class HeartbeatsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    beats: list[BeatIn] = Field(min_length=1, max_length=1000)


class BeatRefusal(BaseModel):
    index: int = Field(description="the beat's position in the batch, from 0")
    camera_id: str
    code: str = Field(examples=["unknown_camera", "stale_or_future"])
    message: str


class HeartbeatsRead(BaseModel):
    taken: int
    refused: list[BeatRefusal]


class AlarmIn(BaseModel):
    """What a video-analytics platform detected at a camera."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    alarm_id: str = Field(
        pattern=r"^[A-Za-z0-9_.:-]{1,60}$", description="the platform's id (repeats are ignored)"
    )
    camera_id: str = Field(pattern=CAMERA_ID)
    category: str = Field(pattern=r"^[CE]\d{4}$", examples=["E0301"], description="minor category")
    detected_at: datetime
    confidence: float = Field(ge=0, le=1)
    snapshot_url: str | None = Field(default=None, pattern=r"^https?://[^\s]{1,490}$")
    description: str = Field(default="", max_length=2000)


class AlarmRead(BaseModel):
    alarm_id: str
    camera_id: str
    lat: float
    lon: float
    repeated: bool = Field(description="this platform sent this alarm id before: nothing new")


def _properties(camera: Camera, caller: Identity) -> dict[str, Any]:
    shown = CameraProperties.model_validate(camera, from_attributes=True).model_dump()
    if not policy().allows(caller, "cameras.watch"):
        shown["stream_url"] = None
    return shown


def camera_feature(camera: Camera, caller: Identity) -> Feature[CameraProperties]:
    """A camera as GeoJSON, its stream address only for those who may watch."""
    return Feature[CameraProperties](
        id=camera.id,
        geometry=point(camera.lon, camera.lat),
        properties=CameraProperties.model_validate(_properties(camera, caller)),
    )


def seen_feature(camera: Camera, distance_m: float, caller: Identity) -> Feature[SeenBy]:
    return Feature[SeenBy](
        id=camera.id,
        geometry=point(camera.lon, camera.lat),
        properties=SeenBy(**_properties(camera, caller), distance_m=round(distance_m, 2)),
    )


class Area(BaseModel):
    """A GeoJSON Polygon or MultiPolygon (longitude, latitude)."""

    type: str = Field(pattern="^(Polygon|MultiPolygon)$")
    coordinates: list[Any] = Field(min_length=1, max_length=100)


class StreamRead(BaseModel):
    camera_id: str
    stream_url: str | None = Field(description="RTSP/HLS; null when the camera has none")
    status: Status
