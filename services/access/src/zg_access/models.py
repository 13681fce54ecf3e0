"""Tables of the access schema: the compounds with their gates and households (from the data
set), the residents registered there and their cards, the gates' swipes, the alerts raised,
the app accounts' link codes and the audit of every full read of a resident's personal data.

A resident's name, ID number and phone are stored only encrypted (`crypto.Vault`), their masked
forms beside them for lists, and the ID number's keyed hash (`id_lookup`) to find one person
among those living here; after the retention period all of them are set to null (`purged_at`),
while the row itself stays for the counts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.outbox import Outbox

SCHEMA = "access"
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/access")


class Base(DeclarativeBase):
    metadata = metadata


class Compound(Base):
    """A residential compound (小区) and the property company that runs it."""

    __tablename__ = "compound"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    property_company: Mapped[str] = mapped_column(String(200))
    grid_id: Mapped[str] = mapped_column(String(20), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    households: Mapped[int] = mapped_column(Integer)


class Gate(Base):
    """A gate of a compound with its card readers; silent when not heard from in time."""

    __tablename__ = "gate"

    id: Mapped[str] = mapped_column(String(30), primary_key=True)
    compound_id: Mapped[str] = mapped_column(ForeignKey("access.compound.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    grid_id: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10))  # unknown, online, silent
    status_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_heard_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the last refused-swipes alert (one per window at most)
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Household(Base):
    """A household's door (building-unit-room, 3-2-0601)."""

    __tablename__ = "household"

    compound_id: Mapped[str] = mapped_column(ForeignKey("access.compound.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(30), primary_key=True)


class Resident(Base):
    """One person registered at a household, from arrival to departure (人来登记、人走注销)."""

    __tablename__ = "resident"
    __table_args__ = (
        # one person, one registration where they live now (one card)
        Index(
            "ux_resident_living",
            "id_lookup",
            unique=True,
            postgresql_where=text("departed_on IS NULL"),
        ),
        Index("ix_resident_compound", "compound_id", "household"),
        Index("ix_resident_purge", "purge_after", postgresql_where=text("purged_at IS NULL")),
        Index("ix_resident_app_sub", "app_sub"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    compound_id: Mapped[str] = mapped_column(ForeignKey("access.compound.id"))
    household: Mapped[str] = mapped_column(String(30))
    tenure: Mapped[str] = mapped_column(String(10))  # owner, tenant
    arrived_on: Mapped[date] = mapped_column(Date)
    departed_on: Mapped[date | None] = mapped_column(Date)
    # personal data: encrypted, masked, keyed hash; all null once purged
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_masked: Mapped[str | None] = mapped_column(String(40))
    id_type: Mapped[str | None] = mapped_column(String(20))
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_masked: Mapped[str | None] = mapped_column(String(40))
    id_lookup: Mapped[str | None] = mapped_column(String(64))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(30))
    app_sub: Mapped[str | None] = mapped_column(String(100))  # the linked app account
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(100))
    departed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purge_after: Mapped[date | None] = mapped_column(Date)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Card(Base):
    """A resident card (一卡通): active until its holder departs or it is replaced."""

    __tablename__ = "card"
    __table_args__ = (
        # one active card per resident
        Index(
            "ux_card_active", "resident_id", unique=True, postgresql_where=text("status = 'active'")
        ),
    )

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access.resident.id"), index=True)
    compound_id: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))  # active, cancelled
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(String(20))  # departed, lost, replaced


class Swipe(Base):
    """A card swipe a gate reported: accepted, or refused and why (kept a limited time)."""

    __tablename__ = "swipe"
    __table_args__ = (
        Index("ix_swipe_refused", "gate_id", "at", postgresql_where=text("NOT accepted")),
        Index("ix_swipe_card", "card_number", "at"),
        Index("ix_swipe_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    gate_id: Mapped[str] = mapped_column(String(30))
    card_number: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    direction: Mapped[str] = mapped_column(String(3))  # in, out
    accepted: Mapped[bool] = mapped_column(Boolean)
    # why the platform counts it refused: cancelled, unknown, other_compound (null: accepted)
    refusal: Mapped[str | None] = mapped_column(String(20))
    # the vendor's id of the swipe: a batch sent twice is taken once
    vendor_ref: Mapped[str] = mapped_column(String(100), unique=True)


class GateAlert(Base):
    """An alert raised for a gate (its id is intake's external reference of the case)."""

    __tablename__ = "gate_alert"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    gate_id: Mapped[str] = mapped_column(String(30), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    refused_swipes: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkCode(Base):
    """A one-time code sent to a resident's registered phone to link an app account."""

    __tablename__ = "link_code"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # null: asked for with a document nobody living here has (counted, nothing sent)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("access.resident.id"), index=True
    )
    app_sub: Mapped[str] = mapped_column(String(100), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(SmallInteger)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PersonalRead(Base):
    """A full read of a resident's personal data: who, when, which fields, for what purpose."""

    __tablename__ = "personal_read"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sub: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    compound_id: Mapped[str] = mapped_column(String(20))
    fields: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[str] = mapped_column(String(128))
