"""Queries of the video-index schema: the registry's cameras and the cases' cameras."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.rows import fetch
from zg_video_index.models import Camera, CaseCamera
from zg_video_index.schemas import Kind, Status


async def camera_in_service(
    session: AsyncSession, camera_id: str, *, for_update: bool = False
) -> Camera | None:
    """A camera that is not retired, as stored now (a write earlier in this unit of work
    included)."""
    camera = await session.get(
        Camera, camera_id, with_for_update=for_update, populate_existing=True
    )
    return None if camera is None or camera.retired_at is not None else camera


async def camera_exists(session: AsyncSession, camera_id: str) -> bool:
    """Registered, in service or retired."""
    return await session.get(Camera, camera_id) is not None


async def list_cameras(
    session: AsyncSession,
    *,
    kind: Kind | None,
    status: Status | None,
    grid_id: str | None,
    after: str | None,
    limit: int,
) -> list[Camera]:
    """Cameras in service in id order, from the one after `after` (a keyset cursor)."""
    query = select(Camera).where(Camera.retired_at.is_(None)).order_by(Camera.id).limit(limit)
    if kind:
        query = query.where(Camera.kind == kind)
    if status:
        query = query.where(Camera.status == status)
    if grid_id:
        query = query.where(Camera.grid_id == grid_id)
    if after:
        query = query.where(Camera.id > after)
    return list(await session.scalars(query))


async def cameras_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, Camera]:
    return {c.id: c for c in await session.scalars(select(Camera).where(Camera.id.in_(ids)))}


# The cameras of a case's place that exist, linked in one statement with what the link event
# says of each (kind, status): one round trip per case instead of a read and a row each.
_CAMERAS, _LINKS = (cast(Table, m.__table__).fullname for m in (Camera, CaseCamera))
LINK_CASE = (
    f"WITH seen AS (SELECT c.id, c.kind, c.status, u.d FROM unnest($2::varchar[], "
    f"$3::float8[]) AS u(id, d) JOIN {_CAMERAS} c ON c.id = u.id), "
    f"linked AS (INSERT INTO {_LINKS} (case_id, camera_id, distance_m, linked_at) "
    "SELECT $1::uuid, id, d, $4::timestamptz FROM seen ON CONFLICT DO NOTHING) "
    "SELECT id, kind, status FROM seen"
)


async def link_cameras(
    session: AsyncSession, case_id: uuid.UUID, seen: Sequence[tuple[str, float]], at: datetime
) -> dict[str, tuple[str, str]]:
    """Link the cameras of `seen` (id, distance) that exist to the case (a link made before
    stays); (kind, status) of each of them."""
    ids, distances = [c for c, _ in seen], [d for _, d in seen]
    rows = await fetch(session, LINK_CASE, [case_id, ids, distances, at])
    return {row[0]: (row[1], row[2]) for row in rows}


async def cameras_in_service(session: AsyncSession) -> list[Camera]:
    return list(
        await session.scalars(select(Camera).where(Camera.retired_at.is_(None)).order_by(Camera.id))
    )


async def cameras_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[tuple[Camera, float]]:
    """The cameras linked to a case, nearest first, with their distance."""
    rows = await session.execute(
        select(Camera, CaseCamera.distance_m)
        .join(CaseCamera, CaseCamera.camera_id == Camera.id)
        .where(CaseCamera.case_id == case_id)
        .order_by(CaseCamera.distance_m, Camera.id)
    )
    return [(c, d) for c, d in rows.all()]
