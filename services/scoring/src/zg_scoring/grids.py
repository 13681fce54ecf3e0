"""Grid indicators (pure; no database): over every case of the grid with the department
definitions, the filed cases per km², the public's share of them (监督举报率), patrol
completion and the residents' ratings of the grid's patrol points; the composite with the
weights of missing parts spread over the present ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zg_scoring import indicators
from zg_scoring.indicators import CaseSet, rate
from zg_scoring.officers import PUBLIC, CaseFacts
from zg_scoring.periods import Period
from zg_scoring.rules import Rules


@dataclass(frozen=True)
class Visit:
    visit_id: str
    grid_id: str
    done: bool  # a check-in of the visit (on time, early or late)


@dataclass(frozen=True)
class GridFacts:
    id: str
    area_m2: int
    cases: CaseSet  # department definitions, counted for the grid
    filed: int  # cases filed in the period
    public: int  # of them, from residents, 12345 and cameras
    visits_planned: int
    visits_done: int
    ratings: tuple[int, ...]  # residents' point ratings


@dataclass(frozen=True)
class GridNumbers:
    filed: int
    filed_per_km2: float | None
    public_reports: int
    public_report_rate: float | None
    counts: indicators.HandlingCounts
    rates: indicators.HandlingRates
    visits_planned: int
    visits_done: int
    patrol_completion: float | None
    point_ratings: int
    rating_mean: float | None
    rating_score: float | None
    composite: float | None  # unrounded


def filed_in(cases: Iterable[CaseFacts], period: Period) -> dict[str, tuple[int, int]]:
    """Per grid: cases filed in the period, and how many of them came from the public."""
    out: dict[str, tuple[int, int]] = {}
    for c in cases:
        if c.grid_id is None or c.filed_at is None or not period.contains(c.filed_at):
            continue
        filed, public = out.get(c.grid_id, (0, 0))
        out[c.grid_id] = (filed + 1, public + (c.source in PUBLIC))
    return out


def numbers(g: GridFacts, *, end_of_period: Period, rules: Rules) -> GridNumbers:
    counts = indicators.count(g.cases, end_of_period.end)
    r = indicators.rates(counts)
    public_rate = rate(g.public, g.filed)
    completion = rate(g.visits_done, g.visits_planned)
    mean = sum(g.ratings) / len(g.ratings) if g.ratings else None
    score = indicators.rating_score(mean)
    w = rules.grid
    composite = indicators.spread_composite(
        [
            (r.closed_rate, w.closed_rate),
            (r.on_time_rate, w.on_time_rate),
            (None if public_rate is None else 100 - public_rate, w.public_report),
            (completion, w.patrol_completion),
            (score, w.rating_score),
        ]
    )
    km2 = g.area_m2 / 1_000_000
    return GridNumbers(
        filed=g.filed,
        filed_per_km2=g.filed / km2 if km2 > 0 else None,
        public_reports=g.public,
        public_report_rate=public_rate,
        counts=counts,
        rates=r,
        visits_planned=g.visits_planned,
        visits_done=g.visits_done,
        patrol_completion=completion,
        point_ratings=len(g.ratings),
        rating_mean=mean,
        rating_score=score,
        composite=composite,
    )
