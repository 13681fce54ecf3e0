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
    """The standard's base counters of a department for one local day (domain reference §3):
    what every department indicator (按期处置率, 返工率 ...) is a ratio of."""

    __tablename__ = "department_day"

    department_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dispatched: Mapped[int] = mapped_column(Integer, default=0)  # 派遣: cases received
    redispatched: Mapped[int] = mapped_column(Integer, default=0)  # of them after a return
    returned: Mapped[int] = mapped_column(Integer, default=0)  # 回退: returns approved
    reworked: Mapped[int] = mapped_column(Integer, default=0)  # 返工: failed checks, call-backs
    extended: Mapped[int] = mapped_column(Integer, default=0)  # 延期: extensions approved
    hung: Mapped[int] = mapped_column(Integer, default=0)  # 挂账: hangs approved
    disposed: Mapped[int] = mapped_column(Integer, default=0)  # 处置
    disposed_on_time: Mapped[int] = mapped_column(Integer, default=0)  # 按期处置
    overdue: Mapped[int] = mapped_column(Integer, default=0)  # 超期: deadlines passed


COUNTERS = (
    "dispatched",
    "redispatched",
    "returned",
    "reworked",
    "extended",
    "hung",
    "disposed",
    "disposed_on_time",
    "overdue",
)
