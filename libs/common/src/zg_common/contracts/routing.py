"""Events published by the routing service (topic `routing.case`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from zg_common.events import EventContract

TOPIC_CASE = "routing.case"


class CaseDispatched(EventContract):
    """A case was assigned to the department that must handle it."""

    event_type: ClassVar[str] = "routing.case.dispatched.v1"
    topic: ClassVar[str] = TOPIC_CASE

    case_id: str
    grid_id: str
    zone_type: str
    department_id: str
    department_name: str
    rule_id: str | None = Field(
        description="routing rule that matched; null for the fallback owner"
    )
    dispatched_at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (CaseDispatched,)
