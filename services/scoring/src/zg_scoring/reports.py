"""Monthly assessment reports (月度考核报告) of the district, a department or a grid: the
numbers of the month, the rankings, the daily trend and the category breakdown. Live until the
month is closed (`closing.py` takes a snapshot); shown again later, a closed report lists the
changes that events arriving since have made to the live numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Date, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope
from zg_common.errors import DepartmentNotFound, FieldError, GridNotFound, ValidationFailed
from zg_scoring import people, service
from zg_scoring.district import Figures, kpis_of, report_figures
from zg_scoring.indicators import rate, round2
from zg_scoring.models import CaseMilestone, CaseReport, Disposal, Hold, MonthlyReport
from zg_scoring.periods import LOCAL_TZ, Period
from zg_scoring.schemas import (
    DepartmentScore,
    GridScore,
    OfficerScore,
    PeriodOut,
    RulesRef,
)

DISTRICT = "district"
SUMMED = ("handled", "handled_on_time", "overdue_open", "to_handle", "reworked", "extended",
          "returned", "closed")  # fmt: skip


class TrendDay(BaseModel):
    day: date
    filed: int
    handled: int
    handled_on_time: int


class CategoryCount(BaseModel):
    code: str = Field(description="major category")
    name: str
    name_en: str
    filed: int


class ReportContent(BaseModel):
    scope: str = Field(examples=["district", "department/roads-contractor", "grid/G01"])
    name: str
    name_en: str
    period: PeriodOut
    rules: RulesRef
    summary: dict[str, int | float | str | None]
    departments: list[DepartmentScore]
    grids: list[GridScore]
    officers: list[OfficerScore]
    trend: list[TrendDay]
    categories: list[CategoryCount]


class Change(BaseModel):
    line: str = Field(examples=["summary", "department/roads-contractor", "officer/ZG001"])
    field: str
    was: Any
    now: Any


class MonthlyReportOut(BaseModel):
    final: bool = Field(description="the month is closed: the numbers are its snapshot")
    taken_at: datetime | None
    content: ReportContent
    changes: list[Change] = Field(description="what events since the snapshot changed")


def parse_scope(text: str) -> tuple[str, str | None]:
    """`district`, `department/<id>` or `grid/<id>`."""
    kind, _, ident = text.partition("/")
    if kind == DISTRICT and not ident:
        return DISTRICT, None
    if kind in ("department", "grid") and ident:
        return kind, ident
    raise ValidationFailed(
        f"{text!r} is not a report scope",
        errors=[FieldError(field="scope", code="invalid_scope",
                           message="district, department/<id> or grid/<id>")],
    )  # fmt: skip


def _local_day(column: Any) -> Any:
    return cast(func.timezone(str(LOCAL_TZ), column), Date)


async def _trend(
    session: AsyncSession, period: Period, kind: str, ident: str | None
) -> list[TrendDay]:
    filed_day = _local_day(CaseMilestone.filed_at)
    filed_q = (
        select(filed_day, func.count())
        .join(CaseReport, CaseReport.case_id == CaseMilestone.case_id)
        .where(CaseMilestone.filed_at >= period.start, CaseMilestone.filed_at < period.end)
        .group_by(filed_day)
    )
    disposed_day = _local_day(Disposal.at)
    handled_q = (
        select(
            disposed_day,
            func.count(),
            func.count().filter(or_(Disposal.due_at.is_(None), Disposal.at <= Disposal.due_at)),
        )
        .where(
            Disposal.at >= period.start,
            Disposal.at < period.end,
            or_(Disposal.undone_at.is_(None), Disposal.undone_at >= period.end),
        )
        .group_by(disposed_day)
    )
    if kind == "grid":
        filed_q = filed_q.where(CaseReport.grid_id == ident)
        handled_q = handled_q.join(CaseReport, CaseReport.case_id == Disposal.case_id).where(
            CaseReport.grid_id == ident
        )
    elif kind == "department":
        held = select(Hold.case_id).where(Hold.department_id == ident)
        filed_q = filed_q.where(CaseMilestone.case_id.in_(held))
        handled_q = handled_q.where(Disposal.department_id == ident)
    filed = {d: n for d, n in (await session.execute(filed_q)).all()}
    handled = {d: (n, on_time) for d, n, on_time in (await session.execute(handled_q)).all()}
    return [
        TrendDay(
            day=day.first,
            filed=filed.get(day.first, 0),
            handled=handled.get(day.first, (0, 0))[0],
            handled_on_time=handled.get(day.first, (0, 0))[1],
        )
        for day in period.days()
    ]


async def _categories(
    session: AsyncSession,
    period: Period,
    kind: str,
    ident: str | None,
    names: dict[str, tuple[str, str]],
) -> list[CategoryCount]:
    major = func.substr(CaseReport.category, 1, 3)
    q = (
        select(major, func.count())
        .join(CaseMilestone, CaseMilestone.case_id == CaseReport.case_id)
        .where(CaseMilestone.filed_at >= period.start, CaseMilestone.filed_at < period.end)
        .group_by(major)
        .order_by(func.count().desc(), major)
    )
    if kind == "grid":
        q = q.where(CaseReport.grid_id == ident)
    elif kind == "department":
        q = q.where(CaseReport.case_id.in_(select(Hold.case_id).where(Hold.department_id == ident)))
    return [
        CategoryCount(
            code=code,
            name=names.get(code, (code, code))[0],
            name_en=names.get(code, (code, code))[1],
            filed=n,
        )
        for code, n in (await session.execute(q)).all()
    ]


def _summary(departments: Sequence[DepartmentScore], grids: Sequence[GridScore]) -> dict[str, Any]:
    totals: dict[str, Any] = {k: sum(getattr(d, k) for d in departments) for k in SUMMED}
    n = totals["to_handle"]
    totals.update(
        handled_rate=round2(rate(totals["handled"], n)),
        on_time_rate=round2(rate(totals["handled_on_time"], n)),
        overdue_open_rate=round2(rate(totals["overdue_open"], n)),
        closed_rate=round2(rate(totals["closed"], n)),
        filed=sum(g.filed for g in grids),
        public_reports=sum(g.public_reports for g in grids),
        visits_planned=sum(g.visits_planned for g in grids),
        visits_done=sum(g.visits_done for g in grids),
    )
    totals["public_report_rate"] = round2(rate(totals["public_reports"], totals["filed"]))
    totals["patrol_completion"] = round2(rate(totals["visits_done"], totals["visits_planned"]))
    return totals


@dataclass(frozen=True)
class Lines:
    departments: list[DepartmentScore]
    grids: list[GridScore]
    officers: list[OfficerScore]
    rules: RulesRef


async def all_lines(session: AsyncSession, period: Period) -> Lines:
    everything = Scope(everything=True)
    grids = await people.grid_scores(session, period, everything)
    return Lines(
        departments=(await service.department_scores(session, period, everything)).departments,
        grids=grids.grids,
        officers=(await people.officer_scores(session, period, everything)).officers,
        rules=grids.rules,
    )


async def build(
    session: AsyncSession,
    period: Period,
    scope: str,
    categories: dict[str, tuple[str, str]],
    district_name: tuple[str, str],
    lists: Lines | None = None,
    *,
    figures: Figures | None = None,
) -> ReportContent:
    """The report's numbers as they stand now (`lists`: every line of the period, when the
    caller computed them already)."""
    kind, ident = parse_scope(scope)
    lines = lists or await all_lines(session, period)
    departments, grids, officers, rules = (
        lines.departments,
        lines.grids,
        lines.officers,
        lines.rules,
    )
    name = district_name
    if kind == "department":
        departments = [d for d in departments if d.department_id == ident]
        if not departments:
            raise DepartmentNotFound(f"No department {ident}")
        name = (departments[0].name, departments[0].name_en)
        summary: dict[str, Any] = departments[0].model_dump(
            exclude={"department_id", "name", "name_en", "mode", "contractor"}
        )
        grids, officers = [], []
    elif kind == "grid":
        grids = [g for g in grids if g.grid_id == ident]
        if not grids:
            raise GridNotFound(f"No grid {ident}")
        name = (grids[0].name, grids[0].name_en)
        summary = grids[0].model_dump(exclude={"grid_id", "name", "name_en", "zone_type"})
        officers = [o for o in officers if o.grid_id == ident]
        departments = []
    else:
        summary = _summary(departments, grids)
        if figures is not None:  # the district's own indicators (residents, staff, costs)
            summary.update(report_figures(await kpis_of(session, period, figures=figures)))
    return ReportContent(
        scope=scope,
        name=name[0],
        name_en=name[1],
        period=service.period_out(period),
        rules=rules,
        summary=summary,
        departments=departments,
        grids=grids,
        officers=officers,
        trend=await _trend(session, period, kind, ident),
        categories=await _categories(session, period, kind, ident, categories),
    )


def changes(snapshot: ReportContent, live: ReportContent) -> list[Change]:
    """Every number of the snapshot that the live report now differs in (lines added or gone
    included)."""
    out = [
        Change(line="summary", field=k, was=v, now=live.summary.get(k))
        for k, v in snapshot.summary.items()
        if live.summary.get(k) != v
    ]
    for kind, key, was_rows, now_rows in (
        ("department", "department_id", snapshot.departments, live.departments),
        ("grid", "grid_id", snapshot.grids, live.grids),
        ("officer", "badge", snapshot.officers, live.officers),
    ):
        was = {getattr(r, key): r.model_dump() for r in was_rows}
        now = {getattr(r, key): r.model_dump() for r in now_rows}
        for ident in sorted(set(was) | set(now)):
            a, b = was.get(ident, {}), now.get(ident, {})
            for field in sorted(set(a) | set(b)):
                if a.get(field) != b.get(field):
                    out.append(Change(line=f"{kind}/{ident}", field=field, was=a.get(field),
                                      now=b.get(field)))  # fmt: skip
    return out


async def show(
    session: AsyncSession,
    period: Period,
    scope: str,
    caller_scope: Scope,
    categories: dict[str, tuple[str, str]],
    district_name: tuple[str, str],
    *,
    figures: Figures | None = None,
) -> MonthlyReportOut:
    kind, ident = parse_scope(scope)
    if not caller_scope.everything and not (
        kind == "department" and caller_scope.sees(department_id=ident)
    ):
        # a department's staff read their department's report; nothing else is disclosed
        raise DepartmentNotFound(f"No report {scope} for you")
    live = await build(session, period, scope, categories, district_name, figures=figures)
    taken = await session.get(MonthlyReport, (period.label, scope))
    if taken is None:
        return MonthlyReportOut(final=False, taken_at=None, content=live, changes=[])
    snapshot = ReportContent.model_validate(taken.content)
    return MonthlyReportOut(
        final=True, taken_at=taken.taken_at, content=snapshot, changes=changes(snapshot, live)
    )
