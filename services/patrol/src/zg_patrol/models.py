"""ORM tables of the patrol schema: the territory (zone types, grids, points, routes, officers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.outbox import Outbox

SCHEMA = "patrol"
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/patrol")


class Base(DeclarativeBase):
    metadata = metadata


class ZoneType(Base):
    __tablename__ = "zone_type"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(100))


class Grid(Base):
    __tablename__ = "grid"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    zone_type: Mapped[str] = mapped_column(ForeignKey("patrol.zone_type.id"))
    area_m2: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)


class PatrolPoint(Base):
    __tablename__ = "patrol_point"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("patrol.grid.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    work_focus: Mapped[str] = mapped_column(Text)
    standard: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Route(Base):
    __tablename__ = "route"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    grid_id: Mapped[str] = mapped_column(ForeignKey("patrol.grid.id"), index=True)
    point_ids: Mapped[list[str]] = mapped_column(JSONB)
    length_m: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Officer(Base):
    __tablename__ = "officer"

    badge: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    grid_id: Mapped[str] = mapped_column(ForeignKey("patrol.grid.id"), index=True)
    shift: Mapped[str] = mapped_column(String(20))
    certificate: Mapped[str] = mapped_column(String(50))
