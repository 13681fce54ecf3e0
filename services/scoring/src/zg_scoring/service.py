"""Use cases of scoring: the indicators of a period, computed live from the projections (every
event received so far counts, however late), and the assessment rules' versions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope
from zg_common.errors import DepartmentNotFound
from zg_common.identity import Identity
from zg_scoring import indicators, repository
from zg_scoring.exceptions import RulesVersionRefused
from zg_scoring.indicators import CaseSet, before, descending, round2
from zg_scoring.models import Department, RulesVersion
from zg_scoring.periods import Period, local_day
from zg_scoring.rules import DEFAULT_RULES, DEFAULT_VERSION_START, Rules, Version, in_force
from zg_scoring.schemas import (
    CaseLine,
    DayScore,
    DepartmentCases,
    DepartmentDetail,
    DepartmentScore,
    DepartmentScores,
    PeriodOut,
    RulesRef,
    RulesVersionIn,
    RulesVersionOut,
)


def period_out(p: Period) -> PeriodOut:
    return PeriodOut(
        period=p.label, kind=p.kind, first_day=p.first, last_day=p.last, start=p.start, end=p.end
    )


# --- rules -----------------------------------------------------------------------------------


async def rules_versions(session: AsyncSession) -> list[Version]:
    return [
        Version(v.starts_on, Rules.model_validate(v.rules), v.id)
        for v in await repository.rules_versions(session)
    ]


async def rules_on(session: AsyncSession, day: date) -> tuple[Rules, RulesRef]:
    """The rules in force on a local day (a period's last day for its composites)."""
    version = in_force(await rules_versions(session), day)
    return version.rules, RulesRef(version=version.id, starts_on=version.starts_on)


def _version_out(v: RulesVersion) -> RulesVersionOut:
    return RulesVersionOut(
        version=v.id,
        starts_on=v.starts_on,
        rules=v.rules,
        note=v.note,
        created_by=v.created_by,
        created_at=v.created_at,
    )


async def list_rules(session: AsyncSession) -> list[RulesVersionOut]:
    versions = [_version_out(v) for v in await repository.rules_versions(session)]
    if not versions or versions[0].starts_on > DEFAULT_VERSION_START:
        default = RulesVersionOut(
            version=None,
            starts_on=DEFAULT_VERSION_START,
            rules=DEFAULT_RULES.model_dump(mode="json"),
            note="the built-in default rules (issue #13)",
            created_by="zongguan",
            created_at=None,
        )
        versions.insert(0, default)
    return versions


async def add_rules(
    session: AsyncSession, data: RulesVersionIn, *, caller: Identity, now: datetime
) -> RulesVersionOut:
    """A new version from a future local day (periods that started before it keep the
    numbers they had), after every version there is."""
    today = local_day(now)
    if data.starts_on <= today:
        raise RulesVersionRefused(
            f"A rules version must start after today ({today}): the numbers of days already "
            "begun stay as they were assessed",
            code="rules_start_not_future",
        )
    latest = await repository.latest_rules_start(session)
    if latest is not None and data.starts_on <= latest:
        raise RulesVersionRefused(
            f"A version starting on {latest} exists: a new one must start after it",
            code="rules_start_not_after_latest",
        )
    version = RulesVersion(
        starts_on=data.starts_on,
        rules=data.rules.model_dump(mode="json"),
        note=data.note,
        created_by=caller.sub,
        created_at=now,
    )
    session.add(version)
    await session.flush()
    return _version_out(version)


# --- departments -----------------------------------------------------------------------------


def department_line(
    department: Department, cases: CaseSet, *, end: datetime, rules: Rules
) -> DepartmentScore:
    counts = indicators.count(cases, end)
    r = indicators.rates(counts)
    contractor = department.mode in rules.assessed_modes
    scores = [x.score for x in cases.ratings]
    mean = sum(scores) / len(scores) if scores else None
    rating = indicators.rating_score(mean) if contractor else None
    composite = round2(
        indicators.department_composite(r, rules, rating=rating, contractor=contractor)
    )
    return DepartmentScore(
        department_id=department.id,
        name=department.name,
        name_en=department.name_en,
        mode=department.mode,
        contractor=contractor,
        rank=None,
        handled=counts.handled,
        handled_on_time=counts.handled_on_time,
        overdue_open=counts.overdue_open,
        to_handle=counts.to_handle,
        handled_rate=round2(r.handled_rate),
        on_time_rate=round2(r.on_time_rate),
        overdue_open_rate=round2(r.overdue_open_rate),
        reworked=counts.reworked,
        rework_rate=round2(r.rework_rate),
        extended=counts.extended,
        extension_rate=round2(r.extension_rate),
        returned=counts.returned,
        closed=counts.closed,
        closed_rate=round2(r.closed_rate),
        ratings=len(scores),
        resident_rating=round2(mean),
        rating_score=round2(rating),
        composite=composite,
        band=rules.band_of(composite),
    )


async def _department_cases(
    session: AsyncSession, period: Period, department_id: str | None
) -> dict[str, CaseSet]:
    rows = await repository.period_rows(
        session, period.start, period.end, department_id=department_id
    )
    return indicators.period_cases(
        disposals=rows.disposals,
        holds=rows.holds,
        returns=rows.returns,
        ratings=[v for v in rows.ratings if v.department_id is not None],
        start=period.start,
        end=period.end,
    )


def _unknown(department_id: str) -> Department:
    """A department named by events before routing announced it."""
    return Department(id=department_id, name=department_id, name_en=department_id, mode="unknown")


async def _lines(
    session: AsyncSession, period: Period, rules: Rules, *, department_id: str | None = None
) -> list[DepartmentScore]:
    cases = await _department_cases(session, period, department_id)
    known = {d.id: d for d in await repository.departments(session)}
    ids = set(known) | set(cases) if department_id is None else {department_id}
    return [
        department_line(
            known.get(d) or _unknown(d), cases.get(d, CaseSet()), end=period.end, rules=rules
        )
        for d in sorted(ids)
    ]


def ranked(lines: Sequence[DepartmentScore]) -> list[DepartmentScore]:
    """By composite (highest first), ties by on_time_rate, then department id; those with
    nothing to assess after, unranked."""
    return [
        line.model_copy(update={"rank": n})
        for n, line in indicators.rank(
            lines,
            composite=lambda x: x.composite,
            tie_breaks=lambda x: (descending(x.on_time_rate), x.department_id),
        )
    ]


async def department_scores(
    session: AsyncSession, period: Period, scope: Scope
) -> DepartmentScores:
    """Every department's line, ranked; a department's staff see their own lines only (with
    their place in the ranking)."""
    rules, ref = await rules_on(session, period.last)
    lines = ranked(await _lines(session, period, rules))
    visible = [line for line in lines if scope.sees(department_id=line.department_id)]
    return DepartmentScores(period=period_out(period), rules=ref, departments=visible)


async def _visible_department(session: AsyncSession, department_id: str, scope: Scope) -> None:
    known = {d.id for d in await repository.departments(session)}
    if department_id not in known or not scope.sees(department_id=department_id):
        # another department's existence is not disclosed either
        raise DepartmentNotFound(f"No department {department_id}")


async def department_detail(
    session: AsyncSession, period: Period, department_id: str, scope: Scope
) -> DepartmentDetail:
    await _visible_department(session, department_id, scope)
    scores = await department_scores(session, period, scope)
    line = next(x for x in scores.departments if x.department_id == department_id)
    daily = []
    for day in period.days():
        day_rules, _ = await rules_on(session, day.last)
        [day_line] = await _lines(session, day, day_rules, department_id=department_id)
        daily.append(DayScore(day=day.first, score=day_line))
    return DepartmentDetail(period=scores.period, rules=scores.rules, department=line, daily=daily)


async def department_cases(
    session: AsyncSession, period: Period, department_id: str, scope: Scope
) -> DepartmentCases:
    """The drill-down: each case with the numbers it counts in."""
    await _visible_department(session, department_id, scope)
    cases = (await _department_cases(session, period, department_id)).get(department_id, CaseSet())
    lines = await numbered(session, case_lines(cases, period.end))
    return DepartmentCases(
        period=period_out(period), department_id=department_id, totals=totals(lines), cases=lines
    )


def case_lines(cases: CaseSet, end: datetime) -> list[CaseLine]:
    """Each case of a case set with the numbers it counts in (the drill-downs)."""
    lines: list[CaseLine] = []
    for h in cases.handled:
        d = h.disposal
        counts_in = ["handled"] + ["handled_on_time"] * h.on_time + ["reworked"] * d.rework
        counts_in += ["extended"] * before(d.extended_at, end)
        counts_in += ["closed"] * before(d.closed_at, end)
        lines.append(_line(h.case_id, counts_in, at=d.at, due_at=d.due_at))
    for o in cases.overdue_open:
        counts_in = ["overdue_open"] + ["extended"] * before(o.hold.extended_at, end)
        lines.append(_line(o.case_id, counts_in, at=None, due_at=o.hold.due_at))
    seen_returns: set[str] = set()
    for r in cases.returned:
        if r.case_id not in seen_returns:
            seen_returns.add(r.case_id)
            lines.append(_line(r.case_id, ["returned"], at=r.at))
    for v in cases.ratings:
        lines.append(_line(v.case_id, ["ratings"], at=v.at, score=v.score))
    return lines


async def numbered(session: AsyncSession, lines: list[CaseLine]) -> list[CaseLine]:
    numbers = await repository.case_numbers(session, sorted({x.case_id for x in lines}))
    return [x.model_copy(update={"number": numbers.get(x.case_id)}) for x in lines]


def totals(lines: list[CaseLine]) -> dict[str, int]:
    """How many lines count in each number: the line's numbers, by construction."""
    out: dict[str, int] = {}
    for x in lines:
        for name in x.counts_in:
            out[name] = out.get(name, 0) + 1
    return out


def _line(
    case_id: str,
    counts_in: list[str],
    *,
    at: datetime | None,
    due_at: datetime | None = None,
    score: int | None = None,
) -> CaseLine:
    return CaseLine(
        case_id=case_id, number=None, counts_in=counts_in, at=at, due_at=due_at, score=score
    )


def now() -> datetime:
    return datetime.now(UTC)
