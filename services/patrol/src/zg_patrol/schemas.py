"""API models of patrol."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ZoneTypeId = Literal["core", "residential", "scenic", "vacant"]


class ZoneTypeRead(BaseModel):
    id: ZoneTypeId
    name: str
    name_en: str


class GridProperties(BaseModel):
    id: str
    code: str
    name: str
    name_en: str
    zone_type: ZoneTypeId
    area_m2: int


class PatrolPointProperties(BaseModel):
    id: str
    code: str
    grid_id: str
    object_type: str
    name: str
    address: str
    work_focus: str
    standard: str


class RouteProperties(BaseModel):
    id: str
    name: str
    name_en: str
    grid_id: str
    point_ids: list[str]
    length_m: int


class OfficerRead(BaseModel):
    badge: str
    name: str
    grid_id: str
    shift: Literal["day", "evening", "night"]
    certificate: str


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


class CheckinCreate(BaseModel):
    """A scan of a point's code by an officer's app, with the phone's fix."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    token: str = Field(min_length=1, max_length=200, description="what the QR code carries")
    lat: float = Field(ge=-90, le=90, description="WGS84")
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000, description="the fix's accuracy (radius)")
    mock_location: bool = Field(default=False, description="the phone says the fix is mocked")


class PointCard(BaseModel):
    """What a scan shows: the point, its work focus and management standard."""

    id: str
    code: str
    name: str
    address: str
    grid_id: str
    object_type: str
    work_focus: str
    standard: str
    lat: float = Field(description="where it is: a report of a problem here uses this place")
    lon: float


class CheckinRead(BaseModel):
    outcome: Literal["on_time", "early", "late", "unplanned"] = Field(
        description="on_time: inside the visit's window; early/late: outside it (partial "
        "credit); unplanned: no visit of this point was due"
    )
    visit_id: str | None
    window_start: datetime | None
    window_end: datetime | None
    distance_m: float
    point: PointCard


class PointCodeRead(BaseModel):
    point_id: str
    token: str
    issued: date
    valid_until: date


class DropOut(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=500, examples=["taken ill at 10:40"])


class DropOutRead(BaseModel):
    version: int = Field(description="the re-planning run")
    moved: int = Field(description="open visits of the shift planned again")
    planned: int
    unplanned: int = Field(description="of them, no longer reachable by the colleagues")


class FixIn(BaseModel):
    """One fix of the phone's location."""

    model_config = ConfigDict(extra="forbid")

    at: datetime = Field(description="when the phone took it (ISO 8601 with offset)")
    lat: float = Field(ge=-90, le=90, description="WGS84")
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    mock_location: bool = Field(default=False, description="the phone says the fix is mocked")


class PositionsReport(BaseModel):
    """Fixes since the last report (an app offline for a while sends what it buffered)."""

    model_config = ConfigDict(extra="forbid")

    fixes: list[FixIn] = Field(min_length=1, max_length=100)


class PositionRead(BaseModel):
    badge: str
    at: datetime
    lat: float
    lon: float
    accuracy_m: float


class OfficerOnMap(BaseModel):
    badge: str
    name: str
    grid_id: str
    shift: str
    at: datetime = Field(description="when the latest fix was taken")
    accuracy_m: float
    age_s: int
    stale: bool = Field(description="not heard from for 5 minutes")


class TrackProperties(BaseModel):
    badge: str
    day: date
    fixes: int
    first_at: datetime
    last_at: datetime
    length_m: int = Field(description="along the fixes (straight lines between them)")


class PointRatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: int = Field(ge=1, le=5, description="1 badly kept ... 5 well kept")
    comment: str = Field(default="", max_length=1000)


class PointRatingRead(BaseModel):
    point_id: str
    score: int
    comment: str
    day: date
    replaced: bool = Field(description="an earlier rating of today by the same resident")


class PointRatingSummary(BaseModel):
    point_id: str
    days: int
    count: int
    average: float | None
    by_score: dict[str, int] = Field(description='ratings per score, "1" to "5"')


class Reasoned(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=500, description="why (kept in the change log)")


class PointCreate(Reasoned):
    grid_id: str = Field(pattern=r"^G\d{2,3}$")
    object_type: str = Field(min_length=1, max_length=40, examples=["construction_site"])
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=300)
    lat: float = Field(ge=-90, le=90, description="WGS84, inside the grid")
    lon: float = Field(ge=-180, le=180)
    work_focus: str | None = Field(
        default=None, max_length=2000, description="the object type's when not given"
    )
    standard: str | None = Field(default=None, max_length=2000)


class PointUpdate(Reasoned):
    grid_id: str | None = Field(default=None, pattern=r"^G\d{2,3}$")
    object_type: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, min_length=1, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    work_focus: str | None = Field(default=None, min_length=1, max_length=2000)
    standard: str | None = Field(default=None, min_length=1, max_length=2000)


class OfficerCreate(Reasoned):
    badge: str = Field(pattern=r"^[A-Z]{2}\d{3,6}$")
    name: str = Field(min_length=1, max_length=50)
    grid_id: str = Field(pattern=r"^G\d{2,3}$")
    shift: Literal["day", "evening", "night"]
    certificate: str = Field(min_length=1, max_length=50, description="the law-enforcement card")


class OfficerUpdate(Reasoned):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    grid_id: str | None = Field(default=None, pattern=r"^G\d{2,3}$")
    shift: Literal["day", "evening", "night"] | None = None
    certificate: str | None = Field(default=None, min_length=1, max_length=50)


class AbsenceCreate(Reasoned):
    day: date = Field(description="the day the officer's shift starts on")
    from_time: time | None = Field(
        default=None, description="local time of day; the shift's start when not given"
    )


class AbsenceRead(BaseModel):
    id: int
    badge: str
    day: date
    shift: str
    from_at: datetime
    reason: str
    recorded_by: str
    recorded_at: datetime


class RouteUpdate(Reasoned):
    point_ids: list[str] = Field(min_length=2, max_length=500, description="in walking order")


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
