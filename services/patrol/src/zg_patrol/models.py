"""ORM tables of the patrol schema: the territory (zone types, grids, points, routes, officers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.changelog import ChangeLogColumns
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
    # raised by reissuing the point's code: every code of a lower serial is void
    code_serial: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # changed through the API since the data set (a newer data set leaves it as it is)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Route(Base):
    __tablename__ = "route"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    grid_id: Mapped[str] = mapped_column(ForeignKey("patrol.grid.id"), index=True)
    point_ids: Mapped[list[str]] = mapped_column(JSONB)
    length_m: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Officer(Base):
    __tablename__ = "officer"

    badge: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    grid_id: Mapped[str] = mapped_column(ForeignKey("patrol.grid.id"), index=True)
    shift: Mapped[str] = mapped_column(String(20))
    certificate: Mapped[str] = mapped_column(String(50))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PlanRun(Base):
    """One making of a day's plan."""

    __tablename__ = "plan_run"

    id: Mapped[int] = mapped_column(Integer, Identity(always=True), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    generated_by: Mapped[str] = mapped_column(String(100))
    seconds: Mapped[float] = mapped_column(Float)
    visits: Mapped[int] = mapped_column(Integer)
    planned: Mapped[int] = mapped_column(Integer)
    length_m: Mapped[int] = mapped_column(Integer)
    unplanned_by_reason: Mapped[dict[str, int]] = mapped_column(JSONB)


class PlanVisit(Base):
    """A visit the day requires: its window, the officer and the place in the route that take
    it (none: `reason` says why), and what became of it."""

    __tablename__ = "plan_visit"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    # the run that planned it last; none: a case task not routed yet
    run_id: Mapped[int | None] = mapped_column(ForeignKey("patrol.plan_run.id"))
    grid_id: Mapped[str] = mapped_column(String(20))
    shift: Mapped[str] = mapped_column(String(20))
    point_id: Mapped[str | None] = mapped_column(String(20))  # none: a case task's place
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(20))  # patrol, makeup; verify, check (case tasks)
    case_id: Mapped[str | None] = mapped_column(String(36))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    officer_badge: Mapped[str | None] = mapped_column(String(10))
    seq: Mapped[int | None] = mapped_column(Integer)
    eta: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # planned, unplanned; done, early, late (checked in); missed; cancelled (a case task the
    # case no longer needs)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(20))


class Checkin(Base):
    """A scan of a point's code by an officer: accepted (on time, early, late, unplanned) or
    refused with the reason; all kept, so refusals are counted."""

    __tablename__ = "checkin"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    badge: Mapped[str | None] = mapped_column(String(20))
    actor_sub: Mapped[str] = mapped_column(String(100))
    point_id: Mapped[str | None] = mapped_column(String(20))
    visit_id: Mapped[str | None] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))  # on_time, early, late, unplanned, refused
    reason: Mapped[str | None] = mapped_column(String(30))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    mock_location: Mapped[bool] = mapped_column(Boolean)
    # an accepted scan that needs a supervisor's look: no_track (no reported fix of the
    # officer near the point shortly before), others_visit (a colleague's visit of the grid)
    flags: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")


class MakeupVisit(Base):
    """A missed visit's make-up (补巡), owed until a plan takes it (`planned_day`)."""

    __tablename__ = "makeup_visit"

    missed_visit_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    point_id: Mapped[str] = mapped_column(String(20))
    grid_id: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_day: Mapped[date | None] = mapped_column(Date)


class OfficerAbsence(Base):
    """An officer off a shift from a moment on (dropped out mid-shift, on leave): plans made
    after it leave them out from then."""

    __tablename__ = "officer_absence"

    id: Mapped[int] = mapped_column(Integer, Identity(always=True), primary_key=True)
    badge: Mapped[str] = mapped_column(ForeignKey("patrol.officer.badge"))
    day: Mapped[date] = mapped_column(Date)
    shift: Mapped[str] = mapped_column(String(20))
    from_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OfficerPosition(Base):
    """A fix an officer's app reported during a shift (the track; kept 30 days)."""

    __tablename__ = "officer_position"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    badge: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OfficerLatest(Base):
    """Each officer's latest fix (the live map)."""

    __tablename__ = "officer_latest"

    badge: Mapped[str] = mapped_column(ForeignKey("patrol.officer.badge"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)


class PointRating(Base):
    """A resident's rating of a point, after scanning its code: once a day per resident (a
    second rating the same day replaces the first)."""

    __tablename__ = "point_rating"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    point_id: Mapped[str] = mapped_column(ForeignKey("patrol.patrol_point.id"))
    rater_sub: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(1000))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TerritoryChange(ChangeLogColumns, Base):
    """Who changed which point, officer, absence or route, from what to what, when and why.
    `subject` is `point/<id>`, `officer/<badge>` or `route/<id>`."""

    __tablename__ = "territory_change"
