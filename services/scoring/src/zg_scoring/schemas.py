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
