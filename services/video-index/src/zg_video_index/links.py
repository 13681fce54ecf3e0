"""Use cases of what video-index follows in the other services (`consumers`): for every case
intake accepts, the cameras that see its place then are linked to it (and the link published),
so that the operator pulls the footage of the right moment from the right cameras; an officer's
reported positions (patrol) move the body camera they wear."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseReported
from zg_common.contracts.patrol import OfficerPositionReported
from zg_common.contracts.video_index import CaseCamerasLinked, LinkedCamera
from zg_video_index import repository
from zg_video_index.models import Camera, outbox
from zg_video_index.registry import LiveIndex

MOST = 30  # the nearest that see it; enough for any operator


BODY_CAMERA = "JL-{badge}"  # the body camera an officer wears (the data set's numbering)


async def follow_officers(
    session: AsyncSession,
    positions: Sequence[OfficerPositionReported],
    grid_of: Callable[[float, float], str | None],
) -> int:
    """Officers' body cameras are where their apps last said they were (patrol's positions),
    unless their own platform reported a newer fix; how many moved. Idempotent (a position no
    newer than the camera's is ignored), so a poll's positions go in one transaction: the
    latest of each officer, the cameras locked in id order as the heartbeats lock them (in
    another order the two would deadlock)."""
    latest: dict[str, OfficerPositionReported] = {}
    for position in positions:
        known = latest.get(position.badge)
        if known is None or position.at > known.at:
            latest[position.badge] = position
    by_camera = {BODY_CAMERA.format(badge=b): p for b, p in latest.items()}
    if not by_camera:
        return 0
    cameras = await session.scalars(
        select(Camera).where(Camera.id.in_(sorted(by_camera))).order_by(Camera.id).with_for_update()
    )
    moved = 0
    now = datetime.now(UTC)
    for camera in cameras:
        position = by_camera[camera.id]
        if camera.retired_at is not None or camera.kind != "body":
            continue
        if camera.position_at is not None and camera.position_at >= position.at:
            continue
        camera.lat, camera.lon, camera.position_at = position.lat, position.lon, position.at
        camera.grid_id = grid_of(position.lat, position.lon)
        camera.updated_at = now
        moved += 1
    return moved


async def link_case(session: AsyncSession, case: CaseReported, live: LiveIndex) -> int:
    """Link the cameras that see the case's place (idempotent); how many."""
    seen = live.index.covering(case.lat, case.lon)[:MOST]
    if not seen:
        return 0
    case_id = uuid.UUID(case.case_id)
    rounded = [(cid, round(d, 2)) for cid, d in seen]
    cameras = await repository.link_cameras(session, case_id, rounded, datetime.now(UTC))
    linked = [(cid, d) for cid, d in rounded if cid in cameras]
    if not linked:
        return 0
    await outbox.add(
        session,
        CaseCamerasLinked(
            case_id=case.case_id,
            reported_at=case.reported_at,
            cameras=[
                LinkedCamera(camera_id=c, kind=cameras[c][0], distance_m=d, status=cameras[c][1])
                for c, d in linked
            ],
        ),
        subject=case.case_id,
    )
    return len(linked)
