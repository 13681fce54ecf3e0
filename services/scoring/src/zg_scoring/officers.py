"""Officer points (积分) and the supervisor rates (pure; no database).

Every point is an entry traceable to the event that earned or cost it, counted in the period of
that event, scored by the rules version in force on that event's local day:

- `report_filed` (+1): a report by the officer was filed (立案); if the case is cancelled later
  the points are reversed (`report_cancelled`) in the cancellation's period;
- `self_handled` (+2): a problem the officer fixed on the spot, approved;
- `task_on_time` (+1): a verify or check task answered within its stage limit;
- `checkin_on_time` (+0.2): a patrol check-in inside its window;
- `visit_missed` (−1): a planned patrol visit missed (漏巡);
- `missed_report` (−2, 漏报): a problem in the officer's grid reported during a shift the officer
  was on by a resident (app or QR), the 12345 hotline or a camera, then filed, that no officer
  had reported (an officer's report merged into it before the filing counts as reported):
  every officer of that grid and shift loses the points, at the filing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from zg_common.contracts.intake import Channel
from zg_common.contracts.routing import CaseAction as A
from zg_scoring.indicators import before, rate
from zg_scoring.periods import Period, local_day
from zg_scoring.rules import Version, in_force

# the channels of the public's reports: what an officer should have found first (漏报)
PUBLIC: frozenset[str] = frozenset(
    {Channel.RESIDENT_APP, Channel.QR_SCAN, Channel.HOTLINE_12345, Channel.CAMERA}
)
VERIFY: frozenset[str] = frozenset({A.CONFIRM, A.REFUTE})
CHECK: frozenset[str] = frozenset({A.PASS_CHECK, A.FAIL_CHECK})


@dataclass(frozen=True)
class CaseFacts:
    case_id: str
    number: str | None
    grid_id: str | None
    source: str
    reporter_badge: str | None
    reported_at: datetime
    filed_at: datetime | None
    cancelled_at: datetime | None
    self_handled_at: datetime | None


@dataclass(frozen=True)
class OfficerStep:
    case_id: str
    badge: str
    action: str
    stage_on_time: bool | None
    at: datetime


@dataclass(frozen=True)
class OnShift:
    badge: str
    grid_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class OfficerMerge:
    """An officer's report that joined a case (and was not split off again)."""

    case_id: str  # the officer's report
    into_case_id: str
    badge: str
    merged_at: datetime


@dataclass(frozen=True)
class PatrolMark:
    """A check-in on time or a missed visit."""

    badge: str
    rule: str  # checkin_on_time | visit_missed
    ref: str  # the visit (or the point when no visit was due)
    at: datetime


@dataclass(frozen=True)
class Entry:
    badge: str
    rule: str
    points: float
    at: datetime
    case_id: str | None = None
    number: str | None = None
    ref: str | None = None


@dataclass
class OfficerFacts:
    """What the officer rules read for a period (`officer_facts` in the repository)."""

    cases: list[CaseFacts] = field(default_factory=list)
    steps: list[OfficerStep] = field(default_factory=list)
    shifts: list[OnShift] = field(default_factory=list)
    merges: list[OfficerMerge] = field(default_factory=list)
    patrol: list[PatrolMark] = field(default_factory=list)


def on_shift(shifts: Iterable[OnShift], grid_id: str | None, at: datetime) -> set[str]:
    return {s.badge for s in shifts if s.grid_id == grid_id and s.start <= at < s.end}


def missed_reports(facts: OfficerFacts, period: Period) -> list[tuple[CaseFacts, set[str]]]:
    """The public reports filed in the period that no officer had reported, each with the
    officers of its grid on shift when it came in."""
    reported_by_officer: dict[str, datetime] = {}
    for m in facts.merges:
        held = reported_by_officer.get(m.into_case_id)
        reported_by_officer[m.into_case_id] = (
            m.merged_at if held is None else min(held, m.merged_at)
        )
    out = []
    for c in facts.cases:
        if c.source not in PUBLIC or c.filed_at is None or not period.contains(c.filed_at):
            continue
        merged = reported_by_officer.get(c.case_id)
        if merged is not None and merged <= c.filed_at:
            continue
        officers = on_shift(facts.shifts, c.grid_id, c.reported_at)
        if officers:
            out.append((c, officers))
    return out


def entries(facts: OfficerFacts, period: Period, versions: Sequence[Version]) -> list[Entry]:
    """Every point entry of the period, oldest first."""

    def value(rule: str, at: datetime) -> float:
        points: float = getattr(in_force(versions, local_day(at)).rules.officer, rule)
        return points

    out: list[Entry] = []
    for c in facts.cases:
        b = c.reporter_badge
        if b is None:
            continue
        if c.filed_at is not None and period.contains(c.filed_at):
            out.append(Entry(b, "report_filed", value("report_filed", c.filed_at), c.filed_at,
                             c.case_id, c.number))  # fmt: skip
        if (
            c.cancelled_at is not None
            and period.contains(c.cancelled_at)
            and c.filed_at is not None
            and c.filed_at <= c.cancelled_at
        ):
            reversal = -value("report_filed", c.filed_at)
            out.append(Entry(b, "report_cancelled", reversal, c.cancelled_at, c.case_id,
                             c.number))  # fmt: skip
        if c.self_handled_at is not None and period.contains(c.self_handled_at):
            out.append(Entry(b, "self_handled", value("self_handled", c.self_handled_at),
                             c.self_handled_at, c.case_id, c.number))  # fmt: skip
    numbers = {c.case_id: c.number for c in facts.cases}
    for s in facts.steps:
        if s.action in VERIFY | CHECK and s.stage_on_time and period.contains(s.at):
            out.append(Entry(s.badge, "task_on_time", value("task_on_time", s.at), s.at,
                             s.case_id, numbers.get(s.case_id), s.action))  # fmt: skip
    for p in facts.patrol:
        if period.contains(p.at):
            out.append(Entry(p.badge, p.rule, value(p.rule, p.at), p.at, ref=p.ref))
    for c, officers in missed_reports(facts, period):
        assert c.filed_at is not None
        for b in sorted(officers):
            out.append(Entry(b, "missed_report", value("missed_report", c.filed_at), c.filed_at,
                             c.case_id, c.number))  # fmt: skip
    out.sort(key=lambda e: (e.at, e.badge, e.rule, e.case_id or "", e.ref or ""))
    return out


@dataclass(frozen=True)
class SupervisorRates:
    reports: int
    valid_reports: int
    verifications: int
    verified_on_time: int
    checks: int
    checked_on_time: int
    missed_reports: int
    missed_report_base: int  # cases filed in the period in their grid during their shifts

    @property
    def valid_report_rate(self) -> float | None:  # 有效上报率
        return rate(self.valid_reports, self.reports)

    @property
    def on_time_verify_rate(self) -> float | None:  # 按时核实率
        return rate(self.verified_on_time, self.verifications)

    @property
    def on_time_check_rate(self) -> float | None:  # 按时核查率
        return rate(self.checked_on_time, self.checks)

    @property
    def missed_report_rate(self) -> float | None:  # 漏报率
        return rate(self.missed_reports, self.missed_report_base)


def supervisor_rates(facts: OfficerFacts, period: Period) -> dict[str, SupervisorRates]:
    """Each officer's post indicators in the period (domain reference §3, 监督员)."""
    end = period.end
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in facts.cases:
        b = c.reporter_badge
        if b is None or not period.contains(c.reported_at):
            continue
        counts[b]["reports"] += 1
        filed = before(c.filed_at, end) and not before(c.cancelled_at, end)
        counts[b]["valid_reports"] += filed or before(c.self_handled_at, end)
    for m in facts.merges:
        if period.contains(m.merged_at):
            counts[m.badge]["reports"] += 1
            counts[m.badge]["valid_reports"] += 1  # it found a problem that is being handled
    for s in facts.steps:
        if not period.contains(s.at):
            continue
        if s.action in VERIFY:
            counts[s.badge]["verifications"] += 1
            counts[s.badge]["verified_on_time"] += bool(s.stage_on_time)
        elif s.action in CHECK:
            counts[s.badge]["checks"] += 1
            counts[s.badge]["checked_on_time"] += bool(s.stage_on_time)
    for c in facts.cases:
        if c.filed_at is not None and period.contains(c.filed_at):
            for b in on_shift(facts.shifts, c.grid_id, c.reported_at):
                counts[b]["missed_report_base"] += 1
    for _case, officers in missed_reports(facts, period):
        for b in officers:
            counts[b]["missed_reports"] += 1
    names = SupervisorRates.__dataclass_fields__
    return {b: SupervisorRates(**{n: c.get(n, 0) for n in names}) for b, c in counts.items()}
