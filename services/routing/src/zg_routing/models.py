"""ORM tables of the routing schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from zg_common.changelog import ChangeLogColumns
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
    # who to call: [{"role": "duty", "name": ..., "phone": ..., "email": ...}]
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Grid(Base):
    """Routing's copy of patrol's grids: they resolve a case's position to its grid."""

    __tablename__ = "grid"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    zone_type: Mapped[str] = mapped_column(String(20))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # the time of patrol's change this row holds (null: from the data set)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoutingRule(Base):
    """Minor category x grid, or x zone type, or in every grid (the category's owner or line
    department when both are null) -> department. Data, not code."""

    __tablename__ = "routing_rule"

    id: Mapped[str] = mapped_column(String(30), primary_key=True)
    category: Mapped[str] = mapped_column(String(10), index=True)
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("routing.grid.id"))
    zone_type: Mapped[str | None] = mapped_column(String(20))
    department_id: Mapped[str] = mapped_column(ForeignKey("routing.department.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def scope(self) -> str:
        """grid or zone: the territory's rule; owner: the category's in every grid."""
        return "grid" if self.grid_id else "zone" if self.zone_type else "owner"


class RoutingSetting(Base):
    """Single-row settings; the fallback owner receives every case no rule matches."""

    __tablename__ = "routing_setting"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    fallback_department_id: Mapped[str] = mapped_column(ForeignKey("routing.department.id"))


class TrackedCase(Base):
    """Where a case stands in the lifecycle, and its disposal clock (timers live here, in the
    database, so they survive restarts)."""

    __tablename__ = "case_state"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(30))
    # the partner key that reported it: a 12345 hotline answers its call-backs
    partner_key_id: Mapped[str | None] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(10))
    grid_id: Mapped[str | None] = mapped_column(String(20))
    zone_type: Mapped[str | None] = mapped_column(String(20))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(30), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    department_id: Mapped[str | None] = mapped_column(String(50))
    calendar_id: Mapped[str | None] = mapped_column(String(20))
    limit_minutes: Mapped[int | None] = mapped_column(Integer)
    clock_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the deadline watch: 80 % of the limit, and the flags that each was announced
    warn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the stage clock: the command centre's limit for the step the case waits for now
    stage: Mapped[str | None] = mapped_column(String(20))  # verify, accept, file, dispatch, check
    stage_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stage_overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reworks: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    used_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    time_limit: Mapped[str | None] = mapped_column(String(80))  # "2 working_days + 8 h"
    pending: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # a device's case (street lights): the fault it is for, and when the device reported
    # healthy again (the system passes the check once the department has disposed of it)
    device_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    device_healthy_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __init__(self, **values: Any) -> None:
        # The columns' defaults apply only when the row is written; routing writes a new case
        # at the commit, after its first steps have read (and moved) these: start them here.
        for name, start in (
            ("verified", False), ("reworks", 0), ("returns", 0), ("extensions", 0),
            ("used_before_minutes", 0),
        ):  # fmt: skip
            values.setdefault(name, start)
        values.setdefault("pending", {})
        super().__init__(**values)


class DeviceClearance(Base):
    """A device fault reported healthy again before routing tracked its case (the events come
    by different topics): kept for the case when it arrives."""

    __tablename__ = "device_clearance"

    device_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    cleared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseTransition(Base):
    """Who moved a case from which state to which, when, and why."""

    __tablename__ = "case_transition"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routing.case_state.case_id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_sub: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # never loaded; it tells the unit of work to insert a new case before its transitions
    # (routing writes a case with its first steps in one flush at the commit)
    case: Mapped[TrackedCase] = relationship(lazy="raise")


class ConfigChange(ChangeLogColumns, Base):
    """The audit trail of what managers edit: who changed which rule, department or calendar,
    how, when and why. `subject` is a rule id, `fallback`, `department/<id>`, `calendar/<id>`
    or `holidays/<year>`."""

    __tablename__ = "config_change"


class WorkingCalendarRow(Base):
    """A working calendar: its hours per weekday, and whether public holidays stop it."""

    __tablename__ = "working_calendar"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    zone: Mapped[str] = mapped_column(String(6))  # UTC offset of its hours, "+08:00"
    week: Mapped[dict[str, list[list[str]]]] = mapped_column(JSONB)
    holidays: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HolidayYear(Base):
    """One year of the State Council's holiday schedule: days off and make-up working days."""

    __tablename__ = "holiday_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text, default="")
    off: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    work: Mapped[list[str]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
