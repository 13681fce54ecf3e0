"""API models of scoring."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class DepartmentCount(BaseModel):
    """The standard's base counters of a department in the period."""

    department_id: str
    dispatched: int = Field(description="cases dispatched to it (派遣), re-dispatches included")
    redispatched: int = Field(description="of them, cases dispatched again after a return")
    returned: int = Field(description="returns it asked for and got approved (回退)")
    reworked: int = Field(description="failed checks and unsatisfied call-backs (返工)")
    extended: int = Field(description="extensions approved (延期)")
    hung: int = Field(description="hangs approved (挂账)")
    disposed: int = Field(description="cases it disposed of (处置)")
    disposed_on_time: int = Field(description="of them, before the deadline (按期处置)")
    overdue: int = Field(description="deadlines that passed while its clock ran (超期)")


class DepartmentCounts(BaseModel):
    since: date | None
    until: date | None
    departments: list[DepartmentCount]
