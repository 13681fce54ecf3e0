"""HTTP endpoints of scoring: indicators and rankings of a period, their drill-downs, and the
assessment rules' versions.

A period is `period=2026-10` (month), `period=2026-W43` (ISO week), `period=2026-10-27` (day)
or `from=2026-10-01&to=2026-10-15` (local dates, both included); none: the current month."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from zg_common.authz import Scope, require
from zg_common.db import SessionDep
from zg_common.identity import Identity
from zg_scoring import people, rebuild_jobs, report_render, reports, service
from zg_scoring.dependencies import StateDep
from zg_scoring.export import Format, FormatQuery, json_or_csv
from zg_scoring.periods import Period, month, resolve
from zg_scoring.schemas import (
    CaseLine,
    DepartmentCases,
    DepartmentDetail,
    DepartmentScore,
    DepartmentScores,
    GridCases,
    GridScore,
    GridScores,
    OfficerEntries,
    OfficerScore,
    OfficerScores,
    PointEntry,
    RebuildIn,
    RebuildOut,
    RulesVersionIn,
    RulesVersionOut,
)

router = APIRouter(prefix="/api/v1/scores", tags=["scoring"])

PeriodText = Annotated[
    str | None,
    Query(
        description="2026-10 (month), 2026-W43 (ISO week) or 2026-10-27 (day), Asia/Shanghai",
        examples=["2026-10"],
    ),
]
From = Annotated[date | None, Query(alias="from", description="first local day (with to)")]
To = Annotated[date | None, Query(alias="to", description="last local day, included (with from)")]


async def _period(period: PeriodText = None, first: From = None, last: To = None) -> Period:
    return resolve(period, first, last, now=service.now())


# the period of a request: `period`, or `from` and `to`, or none (the current month)
PeriodQuery = Annotated[Period, Depends(_period)]


@router.get(
    "/departments",
    response_model=DepartmentScores,
    summary="Departments and contractors ranked by composite, with every indicator (处置率, "
    "按期处置率, 返工率, 超期待处置率, 延期率, 结案率 ...); department staff see their own lines",
)
async def read_department_scores(
    caller: Annotated[Identity, require("scores.read")],
    session: SessionDep,
    when: PeriodQuery,
    format: Annotated[Format, FormatQuery] = "json",
) -> DepartmentScores | Response:
    scores = await service.department_scores(session, when, Scope.of(caller))
    name = f"departments-{scores.period.period}.csv"
    return json_or_csv(format, scores, DepartmentScore, scores.departments, name)


@router.get(
    "/departments/{department_id}",
    response_model=DepartmentDetail,
    summary="One department's line with its daily series",
)
async def read_department_score(
    caller: Annotated[Identity, require("scores.read")],
    session: SessionDep,
    department_id: str,
    when: PeriodQuery,
) -> DepartmentDetail:
    return await service.department_detail(session, when, department_id, Scope.of(caller))


@router.get(
    "/departments/{department_id}/cases",
    response_model=DepartmentCases,
    summary="The cases behind each of a department's numbers (their counts equal the totals)",
)
async def read_department_cases(
    caller: Annotated[Identity, require("scores.read")],
    session: SessionDep,
    department_id: str,
    when: PeriodQuery,
    format: Annotated[Format, FormatQuery] = "json",
) -> DepartmentCases | Response:
    cases = await service.department_cases(session, when, department_id, Scope.of(caller))
    name = f"department-{department_id}-cases-{cases.period.period}.csv"
    return json_or_csv(format, cases, CaseLine, cases.cases, name)


@router.get(
    "/officers",
    response_model=OfficerScores,
    summary="Officers' points (积分) and supervisor rates (有效上报率, 按时核实率, 按时核查率, "
    "漏报率), ranked; an officer sees the officers of their grid",
)
async def read_officer_scores(
    caller: Annotated[Identity, require("scores.officers.read")],
    session: SessionDep,
    when: PeriodQuery,
    format: Annotated[Format, FormatQuery] = "json",
) -> OfficerScores | Response:
    scores = await people.officer_scores(session, when, Scope.of(caller))
    name = f"officers-{scores.period.period}.csv"
    return json_or_csv(format, scores, OfficerScore, scores.officers, name)


@router.get(
    "/officers/{badge}/events",
    response_model=OfficerEntries,
    summary="The events behind an officer's points, each with the points it earned or cost "
    "(an officer: their own)",
)
async def read_officer_entries(
    caller: Annotated[Identity, require("scores.officers.read")],
    session: SessionDep,
    badge: str,
    when: PeriodQuery,
    format: Annotated[Format, FormatQuery] = "json",
) -> OfficerEntries | Response:
    entries = await people.officer_entries(
        session,
        when,
        badge,
        Scope.of(caller),
        caller_badge=caller.badge if caller.role == "officer" else None,
    )
    name = f"officer-{badge}-events-{entries.period.period}.csv"
    return json_or_csv(format, entries, PointEntry, entries.entries, name)


@router.get(
    "/grids",
    response_model=GridScores,
    summary="Grids ranked by composite: filed cases per km², 结案率, 按期处置率, 监督举报率, "
    "patrol completion and residents' point ratings",
)
async def read_grid_scores(
    caller: Annotated[Identity, require("scores.grids.read")],
    session: SessionDep,
    when: PeriodQuery,
    format: Annotated[Format, FormatQuery] = "json",
) -> GridScores | Response:
    scores = await people.grid_scores(session, when, Scope.of(caller))
    name = f"grids-{scores.period.period}.csv"
    return json_or_csv(format, scores, GridScore, scores.grids, name)


@router.get(
    "/grids/{grid_id}/cases",
    response_model=GridCases,
    summary="The cases behind each of a grid's numbers (their counts equal the totals)",
)
async def read_grid_cases(
    caller: Annotated[Identity, require("scores.grids.read")],
    session: SessionDep,
    grid_id: str,
    when: PeriodQuery,
    format: Annotated[Format, FormatQuery] = "json",
) -> GridCases | Response:
    cases = await people.grid_cases(session, when, grid_id, Scope.of(caller))
    name = f"grid-{grid_id}-cases-{cases.period.period}.csv"
    return json_or_csv(format, cases, CaseLine, cases.cases, name)


@router.get(
    "/rules",
    response_model=list[RulesVersionOut],
    summary="The assessment rules' versions, oldest first (each in force from its start date)",
)
async def read_rules(
    caller: Annotated[Identity, require("scores.rules.read")], session: SessionDep
) -> list[RulesVersionOut]:
    return await service.list_rules(session)


@router.post(
    "/rules",
    response_model=RulesVersionOut,
    status_code=201,
    summary="Publish a rules version from a future local day (weights, point values, bands)",
)
async def create_rules(
    caller: Annotated[Identity, require("scores.rules.manage")],
    session: SessionDep,
    data: RulesVersionIn,
) -> RulesVersionOut:
    return await service.add_rules(session, data, caller=caller, now=service.now())


@router.post(
    "/rebuilds",
    response_model=RebuildOut,
    status_code=202,
    summary="Replay the event log into empty projections (a job: poll its state)",
)
async def request_rebuild(
    caller: Annotated[Identity, require("scores.rebuild")], session: SessionDep, data: RebuildIn
) -> RebuildOut:
    return await rebuild_jobs.request(session, data, caller, service.now())


@router.get("/rebuilds/{job_id}", response_model=RebuildOut, summary="A rebuild's state")
async def read_rebuild(
    caller: Annotated[Identity, require("scores.rebuild")], session: SessionDep, job_id: str
) -> RebuildOut:
    return await rebuild_jobs.read(session, job_id)


@router.get(
    "/reports/{period}",
    response_model=reports.MonthlyReportOut,
    summary="A month's assessment report (district, department or grid) as JSON, HTML or PDF: "
    "the month's snapshot once it is closed, with the changes since; live before",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
async def read_report(
    caller: Annotated[Identity, require("scores.reports.read")],
    session: SessionDep,
    labels: StateDep,
    period: str,
    scope: Annotated[
        str, Query(description="district, department/<id> or grid/<id>")
    ] = reports.DISTRICT,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
    lang: Annotated[Literal["zh", "en"], Query(description="labels: Chinese or English")] = "zh",
) -> reports.MonthlyReportOut | Response:
    report = await reports.show(
        session,
        month(period),
        scope,
        Scope.of(caller),
        labels.categories,
        labels.district,
        figures=labels.figures,
    )
    name = f"report-{period}-{scope.replace('/', '-')}-{lang}"
    if format == "html":
        return Response(report_render.to_html(report, lang), media_type="text/html; charset=utf-8")
    if format == "pdf":
        return Response(
            report_render.to_pdf(report, lang),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return report
