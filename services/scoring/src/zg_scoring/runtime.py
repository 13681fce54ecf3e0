"""Scoring's per-process state (its numbers live in its tables; the reports' labels come from
the data set) and runtime type."""

from __future__ import annotations

from dataclasses import dataclass, field

from zg_common.app import Runtime
from zg_scoring.config import ScoringSettings
from zg_scoring.district import Figures


@dataclass
class State:
    # major category code -> (name, English name), for the reports' category breakdown
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)
    district: tuple[str, str] = ("辖区", "District")
    # residents per grid, staff, area: what the district's indicators divide by
    figures: Figures | None = None


ScoringRuntime = Runtime[ScoringSettings, State]
