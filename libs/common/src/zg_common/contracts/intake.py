"""Events published by the intake service (topic `intake.case`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.events import EventContract

TOPIC_CASE = "intake.case"


class CaseReported(EventContract):
    """A case was accepted by intake (201 answered); routing takes it from here."""

    event_type: ClassVar[str] = "intake.case.reported.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    number: str
    category: str = Field(description="minor category code")
    category_kind: str = Field(description="component or event")
    lat: float
    lon: float
    description: str
    source: str = Field(description="channel the case came from, e.g. api, officer, resident")
    reported_at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (CaseReported,)
