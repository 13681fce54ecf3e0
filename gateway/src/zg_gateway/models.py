"""ORM tables of the gateway schema: accounts and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.outbox import Outbox

SCHEMA = "gateway"


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA)


# what other services must know of the callers (zg_common.contracts.gateway), published by the
# gateway's relay
outbox = Outbox(Base.metadata, source="/zongguan/gateway")


class Account(Base):
    __tablename__ = "account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100), default="")
    department_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    grid_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # property staff: the residential compounds they serve (smart access)
    compound_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    badge: Mapped[str | None] = mapped_column(String(20), unique=True)  # officers
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AccessRevocation(Base):
    """Access tokens refused before they expire: a login's (`family`: logout, a refresh token
    used twice) or an account's (`sub`: disabled). Kept past the longest access-token life."""

    __tablename__ = "access_revocation"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RefreshToken(Base):
    """One refresh token; a login starts a family, each refresh rotates within it."""

    __tablename__ = "refresh_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gateway.account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """A partner system's key. Only its SHA-256 is stored; the key is shown once, at creation."""

    __tablename__ = "api_key"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    department_ids: Mapped[list[str]] = mapped_column(JSONB)
    operations: Mapped[list[str]] = mapped_column(JSONB)
    # access-control vendors: the compounds whose gates the key reports for
    compound_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rotated_from: Mapped[uuid.UUID | None] = mapped_column()


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sub: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer)
    ip: Mapped[str] = mapped_column(String(60))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    request_id: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict)


class StreamTicket(Base):
    """A spent stream ticket (its id): a ticket opens one stream, once; kept until it expires."""

    __tablename__ = "stream_ticket"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    sub: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Failed logins for one username from one address, and until when that pair must wait."""

    __tablename__ = "login_attempt"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    ip: Mapped[str] = mapped_column(String(60), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginKnown(Base):
    """An address a username has logged in from: it keeps logging in while strangers guess."""

    __tablename__ = "login_known"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    ip: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_success_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
