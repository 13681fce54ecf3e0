"""Events published by the scoring service (topic `scoring.period`), and the topics scoring
replays: its numbers are projections of those, rebuilt from their beginning, so they are kept
without a time limit (`retention.ms=-1`) wherever topics are created."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import Field

from zg_common.contracts import access, intake, patrol, routing
from zg_common.events import EventContract

TOPIC_PERIOD = "scoring.period"

REPLAYED_TOPICS: tuple[str, ...] = (
    intake.TOPIC_CASE,
    routing.TOPIC_CASE,
    routing.TOPIC_DEPARTMENT,
    patrol.TOPIC_TERRITORY,
    patrol.TOPIC_PLAN,
    patrol.TOPIC_CHECKIN,
    patrol.TOPIC_POINT,
    access.TOPIC_COMPOUND,
)


class PeriodClosed(EventContract):
    """A month's assessment is final: its monthly reports were taken as a snapshot (later
    events still change the live numbers; the report lists them as changes since it)."""

    event_type: ClassVar[str] = "scoring.period.closed.v1"
    topic: ClassVar[str] = TOPIC_PERIOD

    period: str = Field(examples=["2026-10"])
    first_day: date
    last_day: date
    rules_version: int | None = Field(description="the rules version used; null: the default")
    reports: list[str] = Field(
        description="the reports taken", examples=[["district", "department/roads-contractor"]]
    )
    departments: int
    officers: int
    grids: int
    closed_at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (PeriodClosed,)
