"""Camera alarms: a video-analytics platform reports what it detected at a camera (an illegal
parking, a street vendor ...). Video-index checks the camera, takes its place, records the
alarm once per platform and alarm id, and publishes it; intake makes it a case (with the
camera and the snapshot), and a repeat of the same thing nearby joins that case by intake's
duplicate rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.video_index import CameraAlarmRaised
from zg_common.errors import FieldError, ValidationFailed
from zg_video_index.models import Camera, CameraAlarm, outbox


@dataclass(frozen=True)
class Alarm:
    alarm_id: str
    camera_id: str
    category: str
    detected_at: datetime
    confidence: float
    snapshot_url: str | None
    description: str


async def raise_alarm(
    session: AsyncSession, alarm: Alarm, *, partner: str, now: datetime
) -> tuple[Camera, bool]:
    """Record and publish the alarm; False when this platform sent this alarm id before."""
    camera = await session.get(Camera, alarm.camera_id)
    if camera is None or camera.retired_at is not None:
        message = f"no camera {alarm.camera_id} in the registry"
        raise ValidationFailed(
            message, errors=[FieldError(field="camera_id", code="unknown_camera", message=message)]
        )
    inserted = await session.scalar(
        pg_insert(CameraAlarm)
        .values(
            partner=partner,
            alarm_id=alarm.alarm_id,
            camera_id=camera.id,
            category=alarm.category,
            detected_at=alarm.detected_at,
            received_at=now,
        )
        .on_conflict_do_nothing()
        .returning(CameraAlarm.alarm_id)
    )
    if inserted is None:
        return camera, False
    await outbox.add(
        session,
        CameraAlarmRaised(
            # one platform's ids cannot collide with another's in intake's de-duplication
            alarm_id=f"{partner}:{alarm.alarm_id}"[:200],
            camera_id=camera.id,
            category=alarm.category,
            lat=camera.lat,
            lon=camera.lon,
            detected_at=alarm.detected_at,
            confidence=alarm.confidence,
            snapshot_url=alarm.snapshot_url,
            description=alarm.description,
        ),
        subject=camera.id,
    )
    return camera, True
