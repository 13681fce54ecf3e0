"""ORM tables of the scoring schema: projections of the case events."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "scoring"
metadata = MetaData(schema=SCHEMA)


class Base(DeclarativeBase):
    metadata = metadata


class DepartmentDay(Base):
    """Cases dispatched to a department per day: the first counter of 应处置数 (cases to handle)."""

    __tablename__ = "department_day"

    department_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dispatched: Mapped[int] = mapped_column(Integer, default=0)
