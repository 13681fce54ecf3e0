"""Events published by the patrol service (topics `patrol.territory`, `patrol.plan`,
`patrol.officer`, `patrol.point`, `patrol.checkin`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from zg_common.events import EventContract

TOPIC_TERRITORY = "patrol.territory"
TOPIC_PLAN = "patrol.plan"
TOPIC_OFFICER = "patrol.officer"
TOPIC_POINT = "patrol.point"
TOPIC_CHECKIN = "patrol.checkin"


class TerritoryLoaded(EventContract):
    """The patrol service loaded a version of the territory (grids, points, routes, officers)."""

    event_type: ClassVar[str] = "patrol.territory.loaded.v1"
    topic: ClassVar[str] = TOPIC_TERRITORY

    dataset_version: str
    grids: int
    patrol_points: int
    routes: int
    officers: int


class GridState(BaseModel):
    """A duty grid (网格) as patrol holds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    code: str
    name: str
    name_en: str
    zone_type: str
    area_m2: int
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, WGS84")


class PointState(BaseModel):
    """A QR-coded patrol point as patrol holds it; a retired one is patrolled no more and its
    code is refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    code: str
    grid_id: str
    object_type: str
    name: str
    address: str
    work_focus: str
    standard: str
    lat: float
    lon: float
    retired: bool = False
    # added field: reissuing the point's code raises it; codes of a lower serial are void
    code_serial: int = 0


class RouteState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    name_en: str
    grid_id: str
    point_ids: list[str] = Field(description="in walking order")
    length_m: int


class OfficerState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    badge: str
    name: str
    grid_id: str
    shift: str
    certificate: str
    retired: bool = False


class TerritoryChanged(EventContract):
    """A grid, a point, an officer (or their absences) or a route changed: by a manager (the
    change log of patrol, `GET /api/v1/patrol/territory-changes`, says from what to what and
    why), or announced again at a data-set version (`loaded`: what the API changed; every copy
    reads the rest from the same version). Patrol owns the territory; the event carries the
    full new state of what changed, so that every copy of it (intake's, routing's, the video
    index's) follows without reading patrol's tables. The subject is the Kafka key: the
    changes of one thing arrive in order."""

    event_type: ClassVar[str] = "patrol.territory.changed.v1"
    topic: ClassVar[str] = TOPIC_TERRITORY

    subject: str = Field(examples=["grid/G01", "point/P1150", "officer/ZG131", "route/R03"])
    change: str = Field(examples=["loaded", "created", "updated", "retired", "absence_added"])
    at: datetime
    # added fields (v1 stays: each has a default for events published before them); the one
    # that matches the subject's kind is set
    grid: GridState | None = None
    point: PointState | None = None
    route: RouteState | None = None
    officer: OfficerState | None = None


class PlannedVisit(BaseModel):
    visit_id: str
    seq: int
    point_id: str | None = Field(description="the patrol point; null for a case task")
    kind: str = Field(
        examples=["patrol", "makeup", "verify", "check"],
        description="patrol, makeup (补巡); verify (核实) and check (核查): a case task at the "
        "case's place, answered by the case's action",
    )
    case_id: str | None = None
    window_start: datetime
    window_end: datetime
    eta: datetime = Field(description="when the route reaches the point")
    # added fields (v1 stays: each has a default for events published before them)
    lat: float | None = Field(default=None, description="the place (WGS84)")
    lon: float | None = None


class OfficerTasksAssigned(EventContract):
    """An officer was assigned their tasks for one shift: the visits in walking order with their
    windows (the officer's app shows them; a new version replaces the previous one of the same
    shift)."""

    event_type: ClassVar[str] = "patrol.plan.tasks_assigned.v1"
    topic: ClassVar[str] = TOPIC_PLAN
    also_published_as: ClassVar[tuple[str, ...]] = ("patrol.plan.officer_tasks.v1",)

    day: date
    shift: str
    badge: str
    grid_id: str
    version: int = Field(description="the plan run that made it; higher replaces lower")
    length_m: int
    visits: list[PlannedVisit]
    # added fields (v1 stays: each has a default for events published before them)
    shift_start: datetime | None = Field(
        default=None, description="when the shift begins (the officer is on duty from then)"
    )
    shift_end: datetime | None = Field(default=None, description="when the shift ends")


class OfficerTasksPublished(OfficerTasksAssigned):
    """Deprecated name of `OfficerTasksAssigned` (not a past-tense fact): the same payload is
    published under both types until every consumer reads `patrol.plan.tasks_assigned.v1`;
    then this one goes."""

    event_type: ClassVar[str] = "patrol.plan.officer_tasks.v1"
    also_published_as: ClassVar[tuple[str, ...]] = ()


class PlanGenerated(EventContract):
    """A day's plan was made: how many visits, how many could not be planned and why."""

    event_type: ClassVar[str] = "patrol.plan.generated.v1"
    topic: ClassVar[str] = TOPIC_PLAN

    day: date
    version: int
    visits: int
    planned: int
    unplanned_by_reason: dict[str, int]
    length_m: int
    seconds: float


class VisitMissed(EventContract):
    """A required visit's window closed without a check-in (漏巡): the grid leader is told, a
    make-up visit goes into the next plan, and scoring deducts."""

    event_type: ClassVar[str] = "patrol.plan.visit_missed.v1"
    topic: ClassVar[str] = TOPIC_PLAN

    visit_id: str
    day: date
    point_id: str
    grid_id: str
    shift: str
    officer_badge: str | None = Field(description="who it was planned for; null: nobody")
    window_start: datetime
    window_end: datetime
    at: datetime


class CheckinRecorded(EventContract):
    """An officer scanned a point's code: on time (inside the visit's window), early or late
    (outside it: partial credit), unplanned (no visit of the point was due), or refused with
    the reason (forged, expired, too far, mocked fix ...). For the operators' dashboards and
    for scoring."""

    event_type: ClassVar[str] = "patrol.checkin.recorded.v1"
    topic: ClassVar[str] = TOPIC_CHECKIN

    outcome: str = Field(examples=["on_time", "early", "late", "unplanned", "refused"])
    reason: str | None = Field(default=None, description="why it was refused")
    badge: str | None
    point_id: str | None
    grid_id: str | None
    visit_id: str | None
    window_start: datetime | None
    window_end: datetime | None
    distance_m: float | None
    accuracy_m: float
    at: datetime
    # added fields (v1 stays: each has a default for events published before them)
    flags: list[str] = Field(
        default_factory=list,
        description="an accepted scan a supervisor should look at: no_track (no reported fix "
        "of the officer near the point shortly before), others_visit (a colleague's visit of "
        "the officer's grid was settled)",
    )


class OfficerPositionReported(EventContract):
    """An officer's latest position during a shift (the live map); one per report the app
    sends, however many fixes it carried."""

    event_type: ClassVar[str] = "patrol.officer.position_reported.v1"
    topic: ClassVar[str] = TOPIC_OFFICER

    badge: str
    grid_id: str
    shift: str
    at: datetime = Field(description="when the phone took the fix")
    lat: float
    lon: float
    accuracy_m: float


class PointRated(EventContract):
    """A resident rated a patrol point after scanning its code (supervision of the officers
    and contractors who keep it)."""

    event_type: ClassVar[str] = "patrol.point.rated.v1"
    topic: ClassVar[str] = TOPIC_POINT

    point_id: str
    grid_id: str
    object_type: str
    score: int = Field(ge=1, le=5)
    day: date
    at: datetime


CONTRACTS: tuple[type[EventContract], ...] = (
    TerritoryLoaded,
    TerritoryChanged,
    OfficerTasksAssigned,
    OfficerTasksPublished,
    PlanGenerated,
    VisitMissed,
    CheckinRecorded,
    OfficerPositionReported,
    PointRated,
)
