"""Tables of the scoring schema. Two kinds:

- **facts**: the events scoring reads, one row per event keyed by its id (inserting an event
  twice changes nothing: the projection is idempotent without a processed-event record);
- **derived**: each case's timeline (disposals, holds, returns, milestones), rebuilt from the
  case's facts whenever one of them arrives, in whatever order they came.

Every indicator of every period is a query over these; `rebuild` empties them all and replays
the log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.outbox import Outbox

SCHEMA = "scoring"
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/scoring")

EventId = String(80)
CaseId = String(40)
Ref = String(50)


class Base(DeclarativeBase):
    metadata = metadata


# --- facts ---------------------------------------------------------------------------------


class CaseReport(Base):
    """`intake.case.reported.v1`: what a case is and who reported it (the last report of a case
    wins: a split report is reported again)."""

    __tablename__ = "case_report"

    case_id: Mapped[str] = mapped_column(CaseId, primary_key=True)
    event_id: Mapped[str] = mapped_column(EventId)
    number: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(20))
    grid_id: Mapped[str | None] = mapped_column(Ref, index=True)
    zone_type: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(20))
    reporter_badge: Mapped[str | None] = mapped_column(String(30), index=True)
    resolved_on_site: Mapped[bool] = mapped_column(Boolean)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CaseMerge(Base):
    """`intake.case.merged.v1`: a report joined an open case."""

    __tablename__ = "case_merge"

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    case_id: Mapped[str] = mapped_column(CaseId)
    into_case_id: Mapped[str] = mapped_column(CaseId, index=True)
    source: Mapped[str] = mapped_column(String(30))
    reporter_badge: Mapped[str | None] = mapped_column(String(30))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseSplit(Base):
    """`intake.case.split.v1`: a merge undone."""

    __tablename__ = "case_split"

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    case_id: Mapped[str] = mapped_column(CaseId, index=True)
    from_case_id: Mapped[str] = mapped_column(CaseId)
    split_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseStep(Base):
    """`routing.case.transitioned.v1` (and `deadline_moved`, as the action `deadline_moved`)."""

    __tablename__ = "case_step"
    # the officers' steps of a period (about one step in eight names an officer)
    __table_args__ = (
        Index("ix_case_step_officer_at", "at", postgresql_where=text("actor_badge IS NOT NULL")),
    )

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, Identity())  # arrival order: ties of a moment
    case_id: Mapped[str] = mapped_column(CaseId, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(30))
    department_id: Mapped[str | None] = mapped_column(Ref)
    from_department_id: Mapped[str | None] = mapped_column(Ref)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor_badge: Mapped[str | None] = mapped_column(String(30))
    stage_on_time: Mapped[bool | None] = mapped_column(Boolean)


class CaseRating(Base):
    """`intake.case.rated.v1`: a resident's 1–5 rating of how the case was handled."""

    __tablename__ = "case_rating"

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    case_id: Mapped[str] = mapped_column(CaseId)
    department_id: Mapped[str | None] = mapped_column(Ref)
    grid_id: Mapped[str | None] = mapped_column(Ref)
    score: Mapped[int] = mapped_column(SmallInteger)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Department(Base):
    """`routing.department.changed.v1`: the departments assessed (the newest state wins)."""

    __tablename__ = "department"

    id: Mapped[str] = mapped_column(Ref, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20))
    grid_ids: Mapped[list[str]] = mapped_column(JSONB)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- derived: each case's timeline ------------------------------------------------------------


class Disposal(Base):
    __tablename__ = "disposal"
    __table_args__ = (Index("ix_disposal_department_at", "department_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(CaseId, index=True)
    department_id: Mapped[str] = mapped_column(Ref)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rework: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Hold(Base):
    __tablename__ = "hold"
    __table_args__ = (Index("ix_hold_span", "from_at", "to_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(CaseId, index=True)
    department_id: Mapped[str] = mapped_column(Ref)
    from_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    to_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hung: Mapped[bool] = mapped_column(Boolean)
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseReturn(Base):
    __tablename__ = "case_return"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(CaseId, index=True)
    department_id: Mapped[str] = mapped_column(Ref)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CaseMilestone(Base):
    __tablename__ = "case_milestone"

    case_id: Mapped[str] = mapped_column(CaseId, primary_key=True)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    self_handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- rules ---------------------------------------------------------------------------------


class RulesVersion(Base):
    """A version of the assessment rules, in force from `starts_on` (local date) until the
    next version's start."""

    __tablename__ = "rules_version"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- facts of patrol ---------------------------------------------------------------------------


class Grid(Base):
    """Patrol's grids (the data set's, with patrol's later changes): names and areas."""

    __tablename__ = "grid"

    id: Mapped[str] = mapped_column(Ref, primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    zone_type: Mapped[str] = mapped_column(String(20))
    area_m2: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Officer(Base):
    """Patrol's officers (the data set's, with patrol's later changes)."""

    __tablename__ = "officer"

    id: Mapped[str] = mapped_column(String(30), primary_key=True)  # the badge
    name: Mapped[str] = mapped_column(String(50))
    grid_id: Mapped[str] = mapped_column(Ref, index=True)
    shift: Mapped[str] = mapped_column(String(20))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ShiftAssignment(Base):
    """`patrol.plan.tasks_assigned.v1`: an officer on a shift of a day, in a grid (the
    newest plan run's version wins)."""

    __tablename__ = "shift_assignment"
    __table_args__ = (Index("ix_shift_assignment_span", "grid_id", "shift_start", "shift_end"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shift: Mapped[str] = mapped_column(String(20), primary_key=True)
    badge: Mapped[str] = mapped_column(String(30), primary_key=True)
    grid_id: Mapped[str] = mapped_column(Ref)
    shift_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shift_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger)


class PlannedVisit(Base):
    """A patrol visit any plan run assigned (its newest assignment wins): what patrol
    completion counts."""

    __tablename__ = "planned_visit"

    visit_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    badge: Mapped[str | None] = mapped_column(String(30))
    grid_id: Mapped[str] = mapped_column(Ref)
    point_id: Mapped[str | None] = mapped_column(Ref)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger)


class Checkin(Base):
    """`patrol.checkin.recorded.v1`."""

    __tablename__ = "checkin"

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))
    badge: Mapped[str | None] = mapped_column(String(30))
    grid_id: Mapped[str | None] = mapped_column(Ref)
    point_id: Mapped[str | None] = mapped_column(Ref)
    visit_id: Mapped[str | None] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class VisitMissed(Base):
    """`patrol.plan.visit_missed.v1` (漏巡)."""

    __tablename__ = "visit_missed"

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    visit_id: Mapped[str] = mapped_column(String(80))
    grid_id: Mapped[str] = mapped_column(Ref)
    point_id: Mapped[str] = mapped_column(Ref)
    badge: Mapped[str | None] = mapped_column(String(30))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PointRating(Base):
    """`patrol.point.rated.v1`: a resident's 1–5 rating of a patrol point."""

    __tablename__ = "point_rating"

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    point_id: Mapped[str] = mapped_column(Ref)
    grid_id: Mapped[str] = mapped_column(Ref)
    score: Mapped[int] = mapped_column(SmallInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RebuildJob(Base):
    """A rebuild of the projections (a job: it outlives the request that asked for it)."""

    __tablename__ = "rebuild_job"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # queued | running | done | failed
    requested_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(String(200))


class MonthlyReport(Base):
    """A month's report as it stood when the month was closed (not a projection: a rebuild
    keeps it, and the live numbers are compared with it)."""

    __tablename__ = "monthly_report"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)


# --- inputs (not projections: a rebuild keeps them) ------------------------------------------


class IncidentMonth(Base):
    """The police's monthly count of one of the four preventable types (四类可防性案件) in a
    grid: counts only, never a case's details. A month's batch replaces the month."""

    __tablename__ = "incident_month"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-11
    grid_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    reported_by: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MonthlyCost(Base):
    """The district's operating cost of a month, entered by a manager (yuan)."""

    __tablename__ = "monthly_cost"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OccupancyFact(Base):
    """`access.compound.occupancy_changed.v1`: a compound's registered residents after a
    registration or a departure (counts only); the latest before a moment is the count then."""

    __tablename__ = "occupancy_fact"
    __table_args__ = (Index("ix_occupancy_fact_compound_at", "compound_id", "at"),)

    event_id: Mapped[str] = mapped_column(EventId, primary_key=True)
    compound_id: Mapped[str] = mapped_column(String(20))
    grid_id: Mapped[str] = mapped_column(String(20))
    residents: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# what a rebuild empties and replays (the inputs above it keeps)
FACTS = (
    CaseReport, CaseMerge, CaseSplit, CaseStep, CaseRating, Department, Grid, Officer,
    ShiftAssignment, PlannedVisit, Checkin, VisitMissed, PointRating, OccupancyFact,
)  # fmt: skip
DERIVED = (Disposal, Hold, CaseReturn, CaseMilestone)
