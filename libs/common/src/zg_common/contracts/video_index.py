"""Events published by the video-index service (topic `video.camera`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.events import EventContract

TOPIC_CAMERA = "video.camera"


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


CONTRACTS: tuple[type[EventContract], ...] = (CameraAlarmRaised,)
