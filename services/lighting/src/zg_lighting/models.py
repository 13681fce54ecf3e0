"""Tables of the lighting schema: cabinets, circuits and lights (from the data set) with each
light's latest report and problem, the faults asked to be cases (per pole or per circuit),
and the energy per circuit and night."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zg_common.outbox import Outbox

SCHEMA = "lighting"
metadata = MetaData(schema=SCHEMA)
outbox = Outbox(metadata, source="/zongguan/lighting")


class Base(DeclarativeBase):
    metadata = metadata


class Cabinet(Base):
    """A distribution cabinet (配电箱) that feeds circuits."""

    __tablename__ = "cabinet"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Circuit(Base):
    """A circuit (回路): the lights of a road section, switched and fed together."""

    __tablename__ = "circuit"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    road: Mapped[str] = mapped_column(String(60))
    cabinet_id: Mapped[str] = mapped_column(ForeignKey("lighting.cabinet.id"))


class Light(Base):
    """A street light on its pole, its latest report and what is wrong with it now."""

    __tablename__ = "light"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    pole: Mapped[str] = mapped_column(String(60))
    circuit_id: Mapped[str] = mapped_column(ForeignKey("lighting.circuit.id"), index=True)
    grid_id: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lamp_w: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))  # unknown, on, off, dimmed
    dim_pct: Mapped[int | None] = mapped_column(Integer)
    power_w: Mapped[float | None] = mapped_column(Float)
    fault_code: Mapped[str | None] = mapped_column(String(40))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # what is wrong now (off, flicker, on_by_day, damaged) and since when
    problem: Mapped[str | None] = mapped_column(String(20))
    problem_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Fault(Base):
    """A fault asked to be a case: a dead circuit (one case for its lights) or one pole."""

    __tablename__ = "fault"
    __table_args__ = (
        # one open fault per circuit (scope circuit) or per light (scope pole)
        Index(
            "ux_fault_open",
            "scope",
            "target",
            unique=True,
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index("ix_fault_opened", "opened_at"),
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # circuit, pole
    target: Mapped[str] = mapped_column(String(20))  # the circuit's or the light's id
    circuit_id: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # C0109's fault: off, flicker, on_by_day, damaged
    lights: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EnergyNight(Base):
    """Energy a circuit drew in one night (the night that began that local day), from its
    lights' reported power."""

    __tablename__ = "energy_night"

    circuit_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    wh: Mapped[float] = mapped_column(Float)
