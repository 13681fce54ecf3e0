"""ORM tables of the video_index schema: the camera registry, cases' cameras, alarms."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, MetaData, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.outbox import Outbox

SCHEMA = "video_index"
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/video-index")

KINDS = ("public_security", "compound", "body", "vehicle")
MOBILE = ("body", "vehicle")  # their place is their latest fix
STATUSES = ("unknown", "online", "offline", "fault")


class Base(DeclarativeBase):
    metadata = metadata


class Camera(Base):
    """A camera: public security (天网), residential compound, body-worn (执法记录仪) or
    vehicle-mounted. Fixed cameras look along a heading with a field of view to a range;
    mobile units see all round, where their latest fix puts them."""

    __tablename__ = "camera"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[str | None] = mapped_column(String(20))
    height_m: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    fov_deg: Mapped[float] = mapped_column(Float)
    range_m: Mapped[float] = mapped_column(Float)
    stream_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10))  # unknown, online, offline, fault
    status_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    position_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseCamera(Base):
    """A camera that saw a case's place when it was reported (for pulling footage)."""

    __tablename__ = "case_camera"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    distance_m: Mapped[float] = mapped_column(Float)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CameraAlarm(Base):
    """An alarm received from a video-analytics platform (once per partner and alarm id)."""

    __tablename__ = "camera_alarm"

    partner: Mapped[str] = mapped_column(String(100), primary_key=True)
    alarm_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(10))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Grid(Base):
    """The video index's copy of patrol's grids, to place cameras in them."""

    __tablename__ = "grid"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # the time of patrol's change this row holds (null: from the data set)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
