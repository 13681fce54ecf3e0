"""ORM tables of the routing schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, MetaData, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.outbox import Outbox

SCHEMA = "routing"
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/routing")


class Base(DeclarativeBase):
    metadata = metadata


class Department(Base):
    __tablename__ = "department"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20))  # command, coordinated, entrusted, assessed
    calendar: Mapped[str] = mapped_column(String(20))
    grids: Mapped[list[str]] = mapped_column(JSONB)


class Grid(Base):
    """Routing's copy of the territory: grids resolve a case's position to its territory."""

    __tablename__ = "grid"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    zone_type: Mapped[str] = mapped_column(String(20))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)


class RoutingRule(Base):
    """Minor category x grid (or any grid when null) -> department. Data, not code."""

    __tablename__ = "routing_rule"

    id: Mapped[str] = mapped_column(String(30), primary_key=True)
    category: Mapped[str] = mapped_column(String(10), index=True)
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("routing.grid.id"))
    department_id: Mapped[str] = mapped_column(ForeignKey("routing.department.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoutingSetting(Base):
    """Single-row settings; the fallback owner receives every case no rule matches."""

    __tablename__ = "routing_setting"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    fallback_department_id: Mapped[str] = mapped_column(ForeignKey("routing.department.id"))


class Assignment(Base):
    """Which department a case was dispatched to, and why."""

    __tablename__ = "assignment"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(10))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[str] = mapped_column(ForeignKey("routing.department.id"), index=True)
    rule_id: Mapped[str | None] = mapped_column(String(30))
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    calendar_id: Mapped[str | None] = mapped_column(String(20))
    time_limit: Mapped[str | None] = mapped_column(String(40))  # e.g. "4 working_hours"
    # the disposal deadline in the department's working calendar
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
