"""Events published by the video-index service (topics `video.camera`, `video.case`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field

from zg_common.events import EventContract

TOPIC_CAMERA = "video.camera"
TOPIC_CASE = "video.case"


class CameraAlarmRaised(EventContract):
    """A video-analytics platform detected a problem at a camera; intake turns it into a case."""

    event_type: ClassVar[str] = "video.camera.alarm_raised.v1"
    topic: ClassVar[str] = TOPIC_CAMERA

    alarm_id: str = Field(description="the analytics platform's id, used to merge repeats")
    camera_id: str
    category: str = Field(description="minor category code of what was detected")
    lat: float
    lon: float
    detected_at: datetime
    confidence: float = Field(ge=0, le=1)
    snapshot_url: str | None = None
    description: str = ""


class CameraStatusChanged(EventContract):
    """A camera went online, offline (no heartbeat within the timeout) or into fault, as its
    platform reports it: the operators' wall of cameras, the maintenance contractor's list."""

    event_type: ClassVar[str] = "video.camera.status_changed.v1"
    topic: ClassVar[str] = TOPIC_CAMERA

    camera_id: str
    kind: str
    grid_id: str | None
    from_status: str = Field(examples=["unknown", "online", "offline", "fault"])
    to_status: str
    reason: str = Field(default="", examples=["heartbeat", "no heartbeat for 300 s", "lens"])
    at: datetime


class LinkedCamera(BaseModel):
    camera_id: str
    kind: str
    distance_m: float
    status: str


class CaseCamerasLinked(EventContract):
    """The cameras that saw a case's place when it was reported: the operator pulls their
    footage of the moment."""

    event_type: ClassVar[str] = "video.case.cameras_linked.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    reported_at: datetime
    cameras: list[LinkedCamera] = Field(description="nearest first")


CONTRACTS: tuple[type[EventContract], ...] = (
    CameraAlarmRaised,
    CameraStatusChanged,
    CaseCamerasLinked,
)
