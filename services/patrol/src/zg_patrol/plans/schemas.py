"""API models of the daily plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class UnplannedVisit(BaseModel):
    id: str
    point_id: str | None = Field(description="null for a case task")
    kind: str
    case_id: str | None
    grid_id: str
    shift: str
    window_start: datetime
    window_end: datetime
    reason: str | None = Field(
        description="no_officer_on_shift: nobody of the grid works that shift (or all are "
        "off); not_reachable_in_window: the shift's officers cannot reach it in its window; "
        "awaiting_route: a case task just arrived, its shift is being planned again"
    )


class PlanRead(BaseModel):
    day: date
    version: int = Field(description="the run; a later run replaces the open visits")
    generated_at: datetime
    seconds: float
    visits: int
    planned: int
    length_m: int
    unplanned_by_reason: dict[str, int]
    unplanned: list[UnplannedVisit] = Field(description="the first of them, by window")
    by_status: dict[str, int] = Field(
        default_factory=dict,
        description="the day's visits of the caller's grids by status now: planned, "
        "unplanned; done, early, late (checked in); missed; cancelled (patrol completion)",
    )


class TaskRead(BaseModel):
    visit_id: str
    seq: int | None
    shift: str
    kind: str = Field(
        description="patrol, makeup (补巡); verify (核实), check (核查): a case task at the "
        "case's place, answered by the case's action"
    )
    case_id: str | None
    point_id: str | None = Field(description="null for a case task")
    point_code: str | None
    point_name: str | None
    address: str | None
    lat: float
    lon: float
    work_focus: str
    standard: str
    window_start: datetime
    window_end: datetime
    eta: datetime | None
    status: str


class OfficerPlanRead(BaseModel):
    day: date
    badge: str
    name: str
    grid_id: str
    tasks: list[TaskRead]


class DropOut(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=500, examples=["taken ill at 10:40"])


class DropOutRead(BaseModel):
    version: int = Field(description="the re-planning run")
    moved: int = Field(description="open visits of the shift planned again")
    planned: int
    unplanned: int = Field(description="of them, no longer reachable by the colleagues")


class PlannedRouteProperties(BaseModel):
    """A feature of an officer's planned walk: the walk of a shift (`feature: walk`, a line
    from the grid's base through the visits in order and back) or one visit (`visit`)."""

    feature: Literal["walk", "visit"]
    badge: str
    shift: str
    visits: int | None = Field(default=None, description="walk: how many visits it strings")
    visit_id: str | None = None
    seq: int | None = None
    kind: str | None = None
    point_id: str | None = None
    case_id: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    eta: datetime | None = None
    status: str | None = None
