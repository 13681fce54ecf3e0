"""Camera health: the video platforms send heartbeats (ok or fault; mobile units with their
fix), a camera heard from is online, one reporting a fault is in fault, one not heard from
within the timeout goes offline; every change of status is published. Mobile units move to
their latest fix (the index follows)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.contracts.video_index import CameraStatusChanged
from zg_common.db import unit_of_work
from zg_video_index.models import MOBILE, Camera, outbox
from zg_video_index.runtime import VideoIndexRuntime

CLOCK_SKEW = timedelta(minutes=2)
MAX_AGE = timedelta(hours=1)
BATCH = 500


@dataclass(frozen=True)
class Beat:
    camera_id: str
    at: datetime
    state: str  # ok, fault
    fault: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class BeatRefused:
    index: int
    camera_id: str
    code: str
    message: str


async def _set_status(
    session: AsyncSession, camera: Camera, status: str, *, reason: str, at: datetime
) -> None:
    if camera.status == status:
        return
    await outbox.add(
        session,
        CameraStatusChanged(
            camera_id=camera.id,
            kind=camera.kind,
            grid_id=camera.grid_id,
            from_status=camera.status,
            to_status=status,
            reason=reason[:200],
            at=at,
        ),
        subject=camera.id,
    )
    camera.status, camera.status_since = status, at


async def receive(
    session: AsyncSession,
    beats: list[Beat],
    *,
    now: datetime,
    grid_of: Callable[[float, float], str | None],
) -> tuple[int, list[BeatRefused]]:
    """Apply a batch of heartbeats (in time order per camera); how many were taken and why the
    others were not."""
    refused: list[BeatRefused] = []
    ids = sorted({b.camera_id for b in beats})
    cameras = {
        c.id: c
        for c in await session.scalars(
            select(Camera).where(Camera.id.in_(ids)).order_by(Camera.id).with_for_update()
        )
    }
    taken = 0
    for n, beat in sorted(enumerate(beats), key=lambda item: item[1].at):
        camera = cameras.get(beat.camera_id)
        if camera is None or camera.retired_at is not None:
            refused.append(BeatRefused(n, beat.camera_id, "unknown_camera", "no such camera"))
            continue
        if beat.at > now + CLOCK_SKEW or beat.at < now - MAX_AGE:
            message = "the heartbeat's time is in the future or over an hour old"
            refused.append(BeatRefused(n, beat.camera_id, "stale_or_future", message))
            continue
        if camera.last_heartbeat_at is not None and beat.at <= camera.last_heartbeat_at:
            taken += 1  # a repeat or an older one: nothing new
            continue
        camera.last_heartbeat_at = beat.at
        status = "fault" if beat.state == "fault" else "online"
        reason = beat.fault or ("fault reported" if status == "fault" else "heartbeat")
        await _set_status(session, camera, status, reason=reason, at=beat.at)
        if camera.kind in MOBILE and beat.lat is not None and beat.lon is not None:
            camera.lat, camera.lon, camera.position_at = beat.lat, beat.lon, beat.at
            camera.grid_id = grid_of(beat.lat, beat.lon)
        camera.updated_at = now
        taken += 1
    return taken, refused


async def mark_silent(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, timeout: timedelta
) -> int:
    """Cameras not heard from within the timeout go offline (once; replicas share the work)."""
    async with unit_of_work(sessions) as session:
        silent = list(
            await session.scalars(
                select(Camera)
                .where(
                    Camera.status.in_(("online", "fault")),
                    Camera.retired_at.is_(None),
                    Camera.last_heartbeat_at < now - timeout,
                )
                .order_by(Camera.last_heartbeat_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        for camera in silent:
            reason = f"no heartbeat for {timeout.total_seconds():.0f} s"
            await _set_status(session, camera, "offline", reason=reason, at=now)
            camera.updated_at = now
        return len(silent)


async def watch(runtime: VideoIndexRuntime) -> None:
    settings = runtime.settings
    timeout = timedelta(seconds=settings.heartbeat_timeout_s)
    interval = settings.health_watch_interval_s
    while True:
        now = datetime.now(UTC)
        if await mark_silent(runtime.sessions, now=now, timeout=timeout) < BATCH:
            await asyncio.sleep(interval)
