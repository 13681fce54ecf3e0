"""The assessment rules as data (考核细则): the weights of the composites, the point values of
officers, the bands. Managers publish versions through the API; a version applies from its
start date (local): officer points are scored by the version in force at each event's time,
composites and bands by the version in force on the period's last day."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

Weight = float


def _check_sum(weights: dict[str, float], what: str) -> None:
    total = sum(weights.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValueError(f"the {what} weights add up to {total:g}, not 1")


class _Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DepartmentWeights(_Rules):
    """composite = handled_rate×w1 + on_time_rate×w2 + (100 − rework_rate)×w3
    + (100 − overdue_open_rate)×w4 + (100 − extension_rate)×w5 (成都金牛 variant B)."""

    handled_rate: Weight = Field(0.30, ge=0, le=1)
    on_time_rate: Weight = Field(0.20, ge=0, le=1)
    rework: Weight = Field(0.20, ge=0, le=1, description="weight of 100 − rework_rate")
    overdue_open: Weight = Field(0.20, ge=0, le=1, description="weight of 100 − overdue_open_rate")
    extension: Weight = Field(0.10, ge=0, le=1, description="weight of 100 − extension_rate")

    @model_validator(mode="after")
    def _sum(self) -> DepartmentWeights:
        _check_sum(self.model_dump(), "department")
        return self


class GridWeights(_Rules):
    """composite = closed_rate×w1 + on_time_rate×w2 + (100 − public_report_rate)×w3
    + patrol_completion×w4 + rating_score×w5; the weights of missing parts are spread over the
    present ones."""

    closed_rate: Weight = Field(0.25, ge=0, le=1)
    on_time_rate: Weight = Field(0.25, ge=0, le=1)
    public_report: Weight = Field(
        0.20, ge=0, le=1, description="weight of 100 − public_report_rate"
    )
    patrol_completion: Weight = Field(0.20, ge=0, le=1)
    rating_score: Weight = Field(0.10, ge=0, le=1)

    @model_validator(mode="after")
    def _sum(self) -> GridWeights:
        _check_sum(self.model_dump(), "grid")
        return self


class OfficerPoints(_Rules):
    """Points (积分) an officer earns or loses per event."""

    report_filed: float = Field(1.0, description="a report of theirs was filed (立案)")
    self_handled: float = Field(2.0, description="a problem they fixed on the spot, approved")
    task_on_time: float = Field(1.0, description="a verify or check task answered in its limit")
    checkin_on_time: float = Field(0.2, description="a patrol check-in inside its window")
    visit_missed: float = Field(-1.0, description="a planned patrol visit missed (漏巡)")
    missed_report: float = Field(
        -2.0, description="漏报: a public report of their grid and shift no officer had made"
    )


class Band(_Rules):
    band: str = Field(min_length=1, max_length=2)
    min: float = Field(ge=0, le=100, description="the lowest composite of the band")


DEFAULT_BANDS = (
    Band(band="A", min=90),
    Band(band="B", min=75),
    Band(band="C", min=60),
    Band(band="D", min=40),
    Band(band="E", min=0),
)


class Rules(_Rules):
    department: DepartmentWeights = DepartmentWeights()
    contractor_rating_weight: Weight = Field(
        0.10,
        ge=0,
        le=1,
        description="share of residents' rating_score in a contractor's composite (w): "
        "composite × (1 − w) + rating_score × w",
    )
    assessed_modes: tuple[str, ...] = Field(
        ("assessed",), description="department modes assessed as contractors"
    )
    grid: GridWeights = GridWeights()
    officer: OfficerPoints = OfficerPoints()
    bands: tuple[Band, ...] = DEFAULT_BANDS

    @model_validator(mode="after")
    def _bands(self) -> Rules:
        mins = [b.min for b in self.bands]
        if not mins or mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("bands must go from the highest minimum down, each minimum once")
        if mins[-1] != 0:
            raise ValueError("the last band must start at 0 (every composite has a band)")
        return self

    def band_of(self, composite: float | None) -> str | None:
        if composite is None:
            return None
        return next(b.band for b in self.bands if composite >= b.min)


DEFAULT_RULES = Rules()
# the version every district starts with: in force since before any event
DEFAULT_VERSION_START = date(2000, 1, 1)


@dataclass(frozen=True)
class Version:
    starts_on: date
    rules: Rules
    id: int | None = None  # None: the built-in default


DEFAULT_VERSION = Version(DEFAULT_VERSION_START, DEFAULT_RULES)


def in_force(versions: Sequence[Version], day: date) -> Version:
    """The latest version starting on or before `day` (the built-in default before all)."""
    chosen = DEFAULT_VERSION
    for version in sorted(versions, key=lambda v: v.starts_on):
        if version.starts_on > day:
            break
        chosen = version
    return chosen
