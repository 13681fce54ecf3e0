"""Use cases of what video-index follows in the other services (`consumers`): for every case
intake accepts, the cameras that see its place then are linked to it (and the link published),
so that the operator pulls the footage of the right moment from the right cameras; an officer's
reported positions (patrol) move the body camera they wear."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseReported
from zg_common.contracts.patrol import OfficerPositionReported
from zg_common.contracts.video_index import CaseCamerasLinked, LinkedCamera
from zg_video_index import repository
from zg_video_index.models import Camera, CaseCamera, outbox
from zg_video_index.registry import LiveIndex

MOST = 30  # the nearest that see it; enough for any operator


BODY_CAMERA = "JL-{badge}"  # the body camera an officer wears (the data set's numbering)


async def follow_officer(
    session: AsyncSession,
    position: OfficerPositionReported,
    grid_of: Callable[[float, float], str | None],
) -> bool:
    """An officer's body camera is where the officer's app last said they were (patrol's
    positions), unless its own platform reported a newer fix; whether it moved."""
    camera = await session.get(
        Camera, BODY_CAMERA.format(badge=position.badge), with_for_update=True
    )
    if camera is None or camera.retired_at is not None or camera.kind != "body":
        return False
    if camera.position_at is not None and camera.position_at >= position.at:
        return False
    camera.lat, camera.lon, camera.position_at = position.lat, position.lon, position.at
    camera.grid_id = grid_of(position.lat, position.lon)
    camera.updated_at = datetime.now(UTC)
    return True


async def link_case(session: AsyncSession, case: CaseReported, live: LiveIndex) -> int:
    """Link the cameras that see the case's place (idempotent); how many."""
    seen = live.index.covering(case.lat, case.lon)[:MOST]
    if not seen:
        return 0
    case_id = uuid.UUID(case.case_id)
    distance = dict(seen)
    cameras = await repository.cameras_by_id(session, list(distance))
    now = datetime.now(UTC)
    linked = [(cid, round(d, 2)) for cid, d in seen if cid in cameras]
    if not linked:
        return 0
    await session.execute(
        pg_insert(CaseCamera).on_conflict_do_nothing(),
        [
            {"case_id": case_id, "camera_id": c, "distance_m": d, "linked_at": now}
            for c, d in linked
        ],
    )
    await outbox.add(
        session,
        CaseCamerasLinked(
            case_id=case.case_id,
            reported_at=case.reported_at,
            cameras=[
                LinkedCamera(
                    camera_id=c, kind=cameras[c].kind, distance_m=d, status=cameras[c].status
                )
                for c, d in linked
            ],
        ),
        subject=case.case_id,
    )
    return len(linked)
