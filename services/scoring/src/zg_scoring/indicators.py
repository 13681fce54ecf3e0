"""The indicator formulas (pure): department and contractor lines, the composite, the band
and the ranking. Rates are percentages 0–100 and None when their denominator is 0; the
composite is computed from the unrounded rates, then rounded to two decimals, and the band is
read from the rounded composite (domain reference §3; the definitions are pinned by issue #13).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from zg_scoring.rules import Rules
from zg_scoring.timeline import Disposal, Hold, Return


def rate(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator * 100


def round2(value: float | None) -> float | None:
    """Two decimals, halves away from zero (as a person rounds 66.665 → 66.67)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rating_score(mean: float | None) -> float | None:
    """A mean 1–5 rating as 0–100: (mean − 1) / 4 × 100."""
    return None if mean is None else (mean - 1) / 4 * 100


@dataclass(frozen=True)
class Handled:
    """A standing disposal within the period (处置)."""

    case_id: str
    disposal: Disposal

    @property
    def on_time(self) -> bool:
        # a disposal that carried no deadline cannot be late
        due = self.disposal.due_at
        return due is None or self.disposal.at <= due


@dataclass(frozen=True)
class OverdueOpen:
    """A case held awaiting (re)disposal at the period's end, past its deadline (超期未处置)."""

    case_id: str
    hold: Hold


@dataclass(frozen=True)
class Returned:
    case_id: str
    department_id: str
    at: datetime


@dataclass(frozen=True)
class Rating:
    case_id: str
    department_id: str | None
    grid_id: str | None
    score: int
    at: datetime


@dataclass
class CaseSet:
    """The cases behind one entity's numbers in a period (the drill-down)."""

    handled: list[Handled] = field(default_factory=list)
    overdue_open: list[OverdueOpen] = field(default_factory=list)
    returned: list[Returned] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)


@dataclass(frozen=True)
class HandlingCounts:
    handled: int
    handled_on_time: int
    overdue_open: int
    reworked: int
    extended: int
    returned: int
    closed: int

    @property
    def to_handle(self) -> int:
        return self.handled + self.overdue_open


def before(moment: datetime | None, end: datetime) -> bool:
    return moment is not None and moment < end


def period_cases(
    *,
    disposals: Iterable[tuple[str, Disposal]],
    holds: Iterable[tuple[str, Hold]],
    returns: Iterable[tuple[str, Return]],
    ratings: Iterable[Rating],
    start: datetime,
    end: datetime,
    by: Callable[[str, str | None], str | None] = lambda _case, department: department,
) -> dict[str, CaseSet]:
    """Each entity's cases in `[start, end)`, each case judged by its state at `end`:
    - handled: the case's standing disposal (not undone before `end`) happened in the period;
    - overdue_open: held awaiting (re)disposal at `end`, not hung, deadline at or before `end`;
    - returned: approved returns in the period (once per case);
    - ratings: residents' ratings in the period.
    `by(case_id, department_id)` names the entity a case counts for (its department by
    default; its grid for the grid indicators); None: no entity."""
    out: dict[str, CaseSet] = {}

    def of(case_id: str, department_id: str | None) -> CaseSet | None:
        entity = by(case_id, department_id)
        return None if entity is None else out.setdefault(entity, CaseSet())

    for case_id, d in disposals:
        standing = start <= d.at < end and not before(d.undone_at, end)
        if standing and (cases := of(case_id, d.department_id)) is not None:
            cases.handled.append(Handled(case_id, d))
    for case_id, h in holds:
        held_at_end = h.from_at < end and (h.to_at is None or h.to_at >= end)
        late = h.due_at is not None and h.due_at <= end
        if held_at_end and not h.hung and late and (cases := of(case_id, h.department_id)):
            cases.overdue_open.append(OverdueOpen(case_id, h))
    for case_id, r in returns:
        if start <= r.at < end and (cases := of(case_id, r.department_id)) is not None:
            cases.returned.append(Returned(case_id, r.department_id, r.at))
    for v in ratings:
        if start <= v.at < end and (cases := of(v.case_id, v.department_id)) is not None:
            cases.ratings.append(v)
    return out


def count(cases: CaseSet, end: datetime) -> HandlingCounts:
    """The department definitions over a case set; `end` is the period's end."""
    return HandlingCounts(
        handled=len(cases.handled),
        handled_on_time=sum(h.on_time for h in cases.handled),
        overdue_open=len(cases.overdue_open),
        reworked=sum(h.disposal.rework for h in cases.handled),
        extended=sum(before(h.disposal.extended_at, end) for h in cases.handled)
        + sum(before(o.hold.extended_at, end) for o in cases.overdue_open),
        returned=len({r.case_id for r in cases.returned}),
        closed=sum(before(h.disposal.closed_at, end) for h in cases.handled),
    )


@dataclass(frozen=True)
class HandlingRates:
    handled_rate: float | None
    on_time_rate: float | None
    overdue_open_rate: float | None
    rework_rate: float | None
    extension_rate: float | None
    closed_rate: float | None


def rates(c: HandlingCounts) -> HandlingRates:
    n = c.to_handle
    return HandlingRates(
        handled_rate=rate(c.handled, n),
        on_time_rate=rate(c.handled_on_time, n),
        overdue_open_rate=rate(c.overdue_open, n),
        rework_rate=rate(c.reworked, n),
        extension_rate=rate(c.extended, n),
        closed_rate=rate(c.closed, n),
    )


def department_composite(
    r: HandlingRates, rules: Rules, *, rating: float | None = None, contractor: bool = False
) -> float | None:
    """Unrounded; None when there is nothing to assess. A contractor's residents' rating_score
    enters as composite × (1 − w) + rating_score × w when there is one."""
    if (
        r.handled_rate is None
        or r.on_time_rate is None
        or r.rework_rate is None
        or r.overdue_open_rate is None
        or r.extension_rate is None
    ):
        return None
    w = rules.department
    composite = (
        r.handled_rate * w.handled_rate
        + r.on_time_rate * w.on_time_rate
        + (100 - r.rework_rate) * w.rework
        + (100 - r.overdue_open_rate) * w.overdue_open
        + (100 - r.extension_rate) * w.extension
    )
    if contractor and rating is not None:
        share = rules.contractor_rating_weight
        composite = composite * (1 - share) + rating * share
    return composite


def spread_composite(parts: Sequence[tuple[float | None, float]]) -> float | None:
    """Σ value×weight over the parts that have a value, the missing parts' weights spread over
    the present ones in proportion; None when no part with a weight is present."""
    present = [(value, weight) for value, weight in parts if value is not None and weight > 0]
    total = sum(weight for _, weight in present)
    if total == 0:
        return None
    return sum(value * weight for value, weight in present) / total


T = TypeVar("T")


def rank(
    lines: Iterable[T],
    *,
    composite: Callable[[T], float | None],
    tie_breaks: Callable[[T], tuple[Any, ...]],
) -> list[tuple[int | None, T]]:
    """Ranked lines first (1, 2, ...; by rounded composite, highest first, then `tie_breaks`
    ascending), then the lines with nothing to assess (rank None) by their tie-breaks."""
    ranked = [line for line in lines if composite(line) is not None]
    unranked = [line for line in lines if composite(line) is None]
    ranked.sort(key=lambda line: (-(round2(composite(line)) or 0.0), *tie_breaks(line)))
    unranked.sort(key=tie_breaks)
    return [(n, line) for n, line in enumerate(ranked, start=1)] + [(None, x) for x in unranked]


def descending(value: float | None) -> float:
    """A sort key for "higher first, missing last" inside an ascending sort."""
    return float("inf") if value is None else -value
