"""The camera registry: cameras checked field by field (the same rules for the API, imports and
the data set), stored, and mirrored in the in-memory index that answers the spatial queries.
Every process keeps its index right by reading the rows changed since it last looked (its own
writes and other replicas' alike)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from shapely.geometry import Point, shape
from shapely.ops import unary_union
from shapely.prepared import prep
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.errors import FieldError
from zg_common.geo import AreaIndex, Projection
from zg_video_index.models import Camera
from zg_video_index.schemas import CameraIn
from zg_video_index.spatial import CameraIndex, View

log = logging.getLogger(__name__)

WRITABLE = (
    "kind",
    "name",
    "owner",
    "lat",
    "lon",
    "height_m",
    "heading_deg",
    "fov_deg",
    "range_m",
    "stream_url",
)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    code: str
    message: str


@dataclass
class Checked:
    cameras: list[CameraIn] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


MARGIN_M = 500.0  # cameras just outside the district (on its boundary roads) look into it


class Territory:
    """The district's grids: which grid a camera is in, and whether it is near enough. Rebuilt
    in place when patrol's changes reach the copy (whoever holds it sees the new one)."""

    def __init__(self, grids: list[tuple[dict[str, Any], str]]) -> None:
        self.shapes: dict[str, dict[str, Any]] = {}
        self.update(grids)

    def update(self, grids: list[tuple[dict[str, Any], str]]) -> None:
        index = AreaIndex(sorted(grids, key=lambda g: g[1]))
        district = prep(unary_union([shape(g) for g, _ in grids]).buffer(MARGIN_M / 111_000))
        self.index, self.district = index, district
        self.shapes = {grid_id: geometry for geometry, grid_id in grids}

    def grid_of(self, lat: float, lon: float) -> str | None:
        return self.index.covering(lat, lon)

    def near(self, lat: float, lon: float) -> bool:
        return bool(self.district.covers(Point(lon, lat)))


def check_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], grids: Territory) -> Checked:
    """Each row (with its line, for the report) checked as a camera; a camera id given twice
    is an error at its second line."""
    out = Checked()
    seen: dict[str, int] = {}
    for line, raw in rows:
        try:
            camera = CameraIn.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors():
                where = ".".join(str(p) for p in e["loc"]) or "row"
                out.errors.append(RowError(line, where, e["type"], e["msg"]))
            continue
        if not grids.near(camera.lat, camera.lon):
            message = f"the place is more than {MARGIN_M:.0f} m outside the district"
            out.errors.append(RowError(line, "lat", "outside_district", message))
            continue
        if camera.id in seen:
            message = f"camera {camera.id} is also on line {seen[camera.id]}"
            out.errors.append(RowError(line, "id", "duplicate_id", message))
            continue
        seen[camera.id] = line
        out.cameras.append(camera)
        out.lines.append(line)
    return out


def field_errors(errors: Iterable[RowError]) -> list[FieldError]:
    return [
        FieldError(field=f"rows.{e.line}.{e.field}", code=e.code, message=e.message) for e in errors
    ]


async def store(
    session: AsyncSession,
    cameras: list[CameraIn],
    grids: Territory,
    *,
    now: datetime,
    overwrite: bool = True,
) -> tuple[int, int]:
    """Insert the cameras, or update those that exist (`overwrite`; else leave them); how many
    were created and updated. Health and status stay as they are."""
    if not cameras:
        return 0, 0
    existing = set(
        await session.scalars(select(Camera.id).where(Camera.id.in_([c.id for c in cameras])))
    )
    rows = [
        {
            "id": c.id,
            **{k: getattr(c, k) for k in WRITABLE},
            "grid_id": grids.grid_of(c.lat, c.lon),
            "status": "unknown",
            "status_since": now,
            "created_at": now,
            "updated_at": now,
            "retired_at": None,
        }
        for c in cameras
    ]
    insert = pg_insert(Camera)
    statement = (
        insert.on_conflict_do_update(
            index_elements=[Camera.id],
            set_={
                **{k: insert.excluded[k] for k in (*WRITABLE, "grid_id", "updated_at")},
                "retired_at": None,
            },
        )
        if overwrite
        else insert.on_conflict_do_nothing(index_elements=[Camera.id])
    )
    for start in range(0, len(rows), 1000):
        await session.execute(statement, rows[start : start + 1000])
    updated = len(existing) if overwrite else 0
    return len(cameras) - len(existing), updated


# Rows of transactions older than every transaction still running (the snapshot's xmin): none
# can commit behind them, so a cursor over (change_xid, id) below that horizon misses nothing.
CHANGED = text(
    "SELECT id, lat, lon, heading_deg, fov_deg, range_m, retired_at IS NOT NULL, "
    "change_xid::text, id FROM video_index.camera "
    "WHERE (change_xid < pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (change_xid, id) > (CAST(:xid AS xid8), :id)) OR change_xid = CAST(:own AS xid8) "
    "ORDER BY change_xid, id"
)
ALL = text(
    "SELECT id, lat, lon, heading_deg, fov_deg, range_m, retired_at IS NOT NULL "
    "FROM video_index.camera"
)
OWN_XID = text("SELECT pg_current_xact_id()::text")


class LiveIndex:
    """The index of the cameras in service, and how far it has read the registry: the last
    (transaction, camera) it applied below the horizon of finished transactions."""

    def __init__(self, projection: Projection) -> None:
        self.index = CameraIndex(projection)
        self.cursor: tuple[int, str] = (0, "")

    def apply(self, camera: Camera) -> None:
        self._apply(
            camera.id,
            camera.lat,
            camera.lon,
            camera.heading_deg,
            camera.fov_deg,
            camera.range_m,
            camera.retired_at is not None,
        )

    def _apply(
        self,
        camera_id: str,
        lat: float,
        lon: float,
        heading: float | None,
        fov: float,
        range_m: float,
        retired: bool,
    ) -> None:
        if retired:
            self.index.remove(camera_id)
        else:
            view = View(heading_deg=heading or 0.0, fov_deg=fov, range_m=range_m)
            self.index.upsert(camera_id, lat, lon, view)

    async def catch_up(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Apply the rows committed since the last look, in commit order (only the columns the
        index needs); how many."""
        async with sessions() as session:
            return await self.catch_up_with(session)

    async def catch_up_with(self, session: AsyncSession, *, own: int = 0) -> int:
        """`catch_up` on a session of the caller's; `own`: the transaction it has just
        committed, applied at once even while older ones still run (read your writes)."""
        xid, after = self.cursor
        changed = (await session.execute(CHANGED, {"xid": xid, "id": after, "own": own})).all()
        for row in changed:
            self._apply(*row[:7])
        below = [row for row in changed if int(row[7]) != own]
        if below:
            self.cursor = (int(below[-1][7]), below[-1][8])
        return len(changed)

    async def reconcile(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Rebuild from the whole registry (now and then, in case anything drifted): cameras
        gone or retired leave the index, the others are set as they are; how many changed."""
        async with sessions() as session:
            rows = (await session.execute(ALL)).all()
        serving = {row[0] for row in rows if not row[6]}
        drifted = [camera_id for camera_id in self.index.ids() if camera_id not in serving]
        for camera_id in drifted:
            self.index.remove(camera_id)
        for row in rows:
            self._apply(*row)
        return len(drifted)


async def own_transaction(session: AsyncSession) -> int:
    """The id of the session's transaction (it has written, so it has one)."""
    return int(await session.scalar(OWN_XID) or 0)
