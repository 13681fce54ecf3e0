"""ORM tables of the intake schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    FetchedValue,
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

from zg_common.contracts.intake import ReportStatus
from zg_common.contracts.routing import TERMINAL
from zg_common.outbox import Outbox

SCHEMA = "intake"
# statuses in which a report is closed: it takes no more duplicates and Open311 calls it closed
# (routing's terminal statuses, and a report merged into another case; migration 0012
# generates `is_open` from it). A status intake does not know yet is open.
CLOSED_STATUSES: frozenset[str] = TERMINAL | {ReportStatus.MERGED}
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/intake")


class Base(DeclarativeBase):
    metadata = metadata


class Category(Base):
    """A node of the component/event category tree (major or minor class)."""

    __tablename__ = "category"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("intake.category.code"))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    duplicate_radius_m: Mapped[int | None] = mapped_column(Integer)
    duplicate_window_h: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)


class District(Base):
    """The outline of the district a case must lie in (GeoJSON geometry, WGS84)."""

    __tablename__ = "district"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Grid(Base):
    """Intake's copy of patrol's duty grids, to resolve a report's grid and zone type."""

    __tablename__ = "grid"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    zone_type: Mapped[str] = mapped_column(String(20))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # the time of patrol's change this row holds (null: from the data set)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PatrolPoint(Base):
    """Intake's copy of patrol's QR-coded points: a scan fixes a report's place."""

    __tablename__ = "patrol_point"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    grid_id: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    object_type: Mapped[str] = mapped_column(String(30))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    code_serial: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(Base):
    """A caller's Idempotency-Key: the same key and body give the same case."""

    __tablename__ = "idempotency_key"

    caller_sub: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Case(Base):
    __tablename__ = "cases"
    # fetch the database-made number (and seq) with the INSERT's RETURNING
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 (SQLAlchemy's declarative API)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    number: Mapped[str] = mapped_column(String(30), unique=True, server_default=FetchedValue())
    category: Mapped[str] = mapped_column(ForeignKey("intake.category.code"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(30))
    # the verified caller who reported it: for "residents see their own reports"; private
    reporter_sub: Mapped[str | None] = mapped_column(String(100), index=True)
    reporter_role: Mapped[str | None] = mapped_column(String(30))
    reporter_badge: Mapped[str | None] = mapped_column(String(30))  # an officer's (积分)
    reporter_name: Mapped[str | None] = mapped_column(String(50))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    grid_id: Mapped[str | None] = mapped_column(String(20))
    zone_type: Mapped[str | None] = mapped_column(String(20))
    department_id: Mapped[str | None] = mapped_column(String(50))
    department_name: Mapped[str | None] = mapped_column(String(200))
    # the disposal deadline routing set at dispatch (working calendar of the department)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    time_limit: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    crs: Mapped[str] = mapped_column(String(10), default="WGS84")  # the datum it was given in
    patrol_point_id: Mapped[str | None] = mapped_column(String(20))
    patrol_point_distance_m: Mapped[float | None] = mapped_column(Float)
    patrol_task_id: Mapped[str | None] = mapped_column(String(50))
    external_system: Mapped[str | None] = mapped_column(String(30))
    external_id: Mapped[str | None] = mapped_column(String(100))
    camera_id: Mapped[str | None] = mapped_column(String(50))
    media_url: Mapped[str | None] = mapped_column(String(500))
    resolved_on_site: Mapped[bool] = mapped_column(Boolean, default=False)
    # answers to the category's questions (Open311 attributes), checked at intake
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # a duplicate report points at the open case it joined; that case counts its reports
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("intake.cases.id"))
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    is_open: Mapped[bool] = mapped_column(
        Boolean,
        Computed(f"status NOT IN ({', '.join(sorted(repr(str(s)) for s in CLOSED_STATUSES))})"),
    )
    reported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    history: Mapped[list[CaseStatusChange]] = relationship(
        order_by="CaseStatusChange.id", lazy="raise", back_populates="case"
    )


class CaseFollower(Base):
    """Someone whose duplicate report was merged into this case: they follow its public status
    (their webhooks, their report's `following`), never its details (`access.may_read`)."""

    __tablename__ = "case_follower"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake.cases.id"), primary_key=True)
    sub: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    via_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake.cases.id"))


class CaseStatusChange(Base):
    __tablename__ = "case_status_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake.cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    event_id: Mapped[str | None] = mapped_column(String(64))
    # set by the webhook worker once deliveries of this entry were queued
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False)
    case: Mapped[Case] = relationship(back_populates="history", lazy="raise")


class Media(Base):
    """One uploaded photo or video. Files are content-addressed by the original's SHA-256:
    the original (evidence, command centre only), a public copy without location, a thumbnail."""

    __tablename__ = "media"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("intake.cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    original_type: Mapped[str] = mapped_column(String(50))
    public_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    has_thumbnail: Mapped[bool] = mapped_column(Boolean)
    location_removed: Mapped[bool] = mapped_column(Boolean)
    uploaded_by_sub: Mapped[str] = mapped_column(String(100))
    uploaded_by_role: Mapped[str] = mapped_column(String(30))
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscription"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_sub: Mapped[str] = mapped_column(String(100), index=True)
    owner_identity: Mapped[dict[str, Any]] = mapped_column(JSONB)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    statuses: Mapped[list[str]] = mapped_column(JSONB, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookDelivery(Base):
    """One status change for one subscriber: its id is the delivery id receivers de-duplicate
    on; kept as the delivery log."""

    __tablename__ = "webhook_delivery"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake.webhook_subscription.id", ondelete="CASCADE")
    )
    case_id: Mapped[uuid.UUID] = mapped_column()
    status_change_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseRating(Base):
    """A reporter's rating of how their closed case was handled (1-5)."""

    __tablename__ = "case_rating"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake.cases.id"), primary_key=True)
    rater_sub: Mapped[str] = mapped_column(String(100), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
