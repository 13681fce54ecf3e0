"""API models of scoring. Rates are percentages 0–100 with two decimals, null when their
denominator is 0; an entity with nothing to assess has null composite, band and rank and is
listed after the ranked ones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from zg_scoring.rules import Rules

Pct = float | None


class PeriodOut(BaseModel):
    period: str = Field(examples=["2026-10", "2026-W43", "2026-10-27", "2026-10-01..2026-10-15"])
    kind: str = Field(examples=["month", "week", "day", "range"])
    first_day: date = Field(description="the first local day (Asia/Shanghai)")
    last_day: date = Field(description="the last local day, included")
    start: datetime = Field(description="the period's start")
    end: datetime = Field(description="the moment after the period")


class RulesRef(BaseModel):
    version: int | None = Field(description="the rules version used; null: the built-in default")
    starts_on: date


class DepartmentScore(BaseModel):
    """A department's line (pinned definitions, domain reference §3 and issue #13)."""

    department_id: str
    name: str
    name_en: str
    mode: str
    contractor: bool = Field(description="assessed as a contractor (residents' rating counts)")
    rank: int | None
    handled: int = Field(description="处置数: standing disposals within the period")
    handled_on_time: int = Field(description="按期处置数: of them, by the deadline they carried")
    overdue_open: int = Field(description="超期未处置数: held at the end, past the deadline")
    to_handle: int = Field(description="应处置数 = handled + overdue_open")
    handled_rate: Pct = Field(description="处置率")
    on_time_rate: Pct = Field(description="按期处置率")
    overdue_open_rate: Pct = Field(description="超期待处置率")
    reworked: int = Field(description="返工数")
    rework_rate: Pct
    extended: int = Field(description="延期数")
    extension_rate: Pct
    returned: int = Field(description="回退数 (not in to_handle)")
    closed: int = Field(description="结案数: handled cases closed by the end of the period")
    closed_rate: Pct
    ratings: int = Field(description="residents' ratings of its cases within the period")
    resident_rating: float | None = Field(description="their mean, 1–5 (contractors)")
    rating_score: Pct = Field(description="(mean − 1) / 4 × 100")
    composite: Pct = Field(description="综合指标值")
    band: str | None = Field(description="A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below (default)")


class DayScore(BaseModel):
    day: date
    score: DepartmentScore


class DepartmentScores(BaseModel):
    period: PeriodOut
    rules: RulesRef
    departments: list[DepartmentScore]


class DepartmentDetail(BaseModel):
    period: PeriodOut
    rules: RulesRef
    department: DepartmentScore
    daily: list[DayScore] = Field(description="each local day of the period as its own period")


class CaseLine(BaseModel):
    case_id: str
    number: str | None
    counts_in: list[str] = Field(
        description="the numbers it counts in (handled, handled_on_time, overdue_open, "
        "reworked, extended, closed, returned, ratings)",
        examples=[["handled", "handled_on_time", "closed"]],
    )
    at: datetime | None = Field(description="the disposal, return or rating; null: overdue open")
    due_at: datetime | None
    score: int | None = Field(default=None, description="a resident's rating")


class DepartmentCases(BaseModel):
    """The cases behind a department's numbers: counting the lines per name gives the line's
    counts exactly."""

    period: PeriodOut
    department_id: str
    totals: dict[str, int]
    cases: list[CaseLine]


class GridCases(BaseModel):
    """The cases behind a grid's numbers: counting the lines per name gives the line's counts
    (filed and public_reports from the filings, the others by the department definitions)."""

    period: PeriodOut
    grid_id: str
    totals: dict[str, int]
    cases: list[CaseLine]


class RulesVersionIn(BaseModel):
    starts_on: date = Field(description="the local day it applies from (after the last version)")
    rules: Rules
    note: str = Field(default="", max_length=2000)


class RulesVersionOut(BaseModel):
    version: int | None
    starts_on: date
    rules: dict[str, Any]
    note: str
    created_by: str
    created_at: datetime | None


class OfficerScore(BaseModel):
    """An officer's points (积分) and supervisor rates in the period."""

    badge: str
    name: str
    grid_id: str | None
    rank: int | None = Field(description="by points in the district; null: nothing counted")
    grid_rank: int | None = Field(description="by points among the officers of the grid")
    points: float = Field(description="the sum of the entries, two decimals")
    earned: float
    lost: float
    reports: int = Field(description="上报数: reports made within the period")
    valid_reports: int = Field(description="有效上报数: filed and not cancelled, or merged")
    valid_report_rate: Pct = Field(description="有效上报率")
    verifications: int
    verified_on_time: int
    on_time_verify_rate: Pct = Field(description="按时核实率")
    checks: int
    checked_on_time: int
    on_time_check_rate: Pct = Field(description="按时核查率")
    missed_reports: int = Field(description="漏报数")
    missed_report_base: int = Field(
        description="cases filed in the period, reported in their grid during their shifts"
    )
    missed_report_rate: Pct = Field(description="漏报率")
    entries: dict[str, int] = Field(description="how many entries of each rule")


class OfficerScores(BaseModel):
    period: PeriodOut
    rules: RulesRef
    officers: list[OfficerScore]


class PointEntry(BaseModel):
    rule: str = Field(
        examples=["report_filed", "report_cancelled", "self_handled", "task_on_time",
                  "checkin_on_time", "visit_missed", "missed_report"]
    )  # fmt: skip
    points: float
    at: datetime
    case_id: str | None
    number: str | None
    ref: str | None = Field(description="the visit, point or action behind it")


class OfficerEntries(BaseModel):
    """The events behind an officer's points: their points add up to the total."""

    period: PeriodOut
    badge: str
    points: float
    entries: list[PointEntry]


class GridScore(BaseModel):
    grid_id: str
    name: str
    name_en: str
    zone_type: str
    area_km2: float
    rank: int | None
    filed: int = Field(description="立案数: cases filed within the period")
    filed_per_km2: float | None
    public_reports: int = Field(description="of them, from residents, 12345 and cameras")
    public_report_rate: Pct = Field(description="监督举报率")
    handled: int
    handled_on_time: int
    overdue_open: int
    to_handle: int
    on_time_rate: Pct
    closed: int
    closed_rate: Pct
    visits_planned: int
    visits_done: int
    patrol_completion: Pct
    point_ratings: int
    rating_score: Pct
    composite: Pct
    band: str | None


class GridScores(BaseModel):
    period: PeriodOut
    rules: RulesRef
    grids: list[GridScore]


class RebuildIn(BaseModel):
    reason: str = Field(
        min_length=3, max_length=500, description="why (kept with the job)",
        examples=["rules of counting fixed in release 1.4"],
    )  # fmt: skip


class RebuildOut(BaseModel):
    id: str
    state: str = Field(examples=["queued", "running", "done", "failed"])
    requested_by: str
    reason: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    events: int = Field(description="events replayed so far")
    error: str | None
