"""Cases and cameras: for every case intake accepts, the cameras that see its place then are
linked to it (and the link published), so that the operator pulls the footage of the right
moment from the right cameras."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.app import Runtime
from zg_common.consumer import ConsumerSpec
from zg_common.contracts.intake import TOPIC_CASE as INTAKE_CASE
from zg_common.contracts.intake import CaseReported
from zg_common.contracts.video_index import CaseCamerasLinked, LinkedCamera
from zg_common.events import CloudEvent
from zg_video_index.models import Camera, CaseCamera, outbox
from zg_video_index.registry import LiveIndex

MOST = 30  # the nearest that see it; enough for any operator


def consumers(runtime: Runtime) -> Sequence[ConsumerSpec]:
    async def reported(session: AsyncSession, event: CloudEvent) -> None:
        await link_case(session, CaseReported.parse(event), runtime.state["index"])

    return (
        ConsumerSpec(
            name="video-index.case-cameras",
            topics=(INTAKE_CASE,),
            handlers={CaseReported.event_type: reported},
        ),
    )


async def link_case(session: AsyncSession, case: CaseReported, live: LiveIndex) -> int:
    """Link the cameras that see the case's place (idempotent); how many."""
    seen = live.index.covering(case.lat, case.lon)[:MOST]
    if not seen:
        return 0
    case_id = uuid.UUID(case.case_id)
    distance = dict(seen)
    cameras = {
        c.id: c for c in await session.scalars(select(Camera).where(Camera.id.in_(distance)))
    }
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


async def cameras_of(session: AsyncSession, case_id: uuid.UUID) -> list[tuple[Camera, float]]:
    rows = await session.execute(
        select(Camera, CaseCamera.distance_m)
        .join(CaseCamera, CaseCamera.camera_id == Camera.id)
        .where(CaseCamera.case_id == case_id)
        .order_by(CaseCamera.distance_m, Camera.id)
    )
    return [(c, d) for c, d in rows.all()]
