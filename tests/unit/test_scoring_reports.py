"""Monthly reports: when a month closes, what counts as a change since the report, and the
report as a page and as a PDF in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from zg_common.errors import ValidationFailed
from zg_scoring import report_render
from zg_scoring.closing import closable, close_moment
from zg_scoring.periods import month, parse_period
from zg_scoring.reports import (
    CategoryCount,
    MonthlyReportOut,
    ReportContent,
    TrendDay,
    changes,
    parse_scope,
)
from zg_scoring.schemas import DepartmentScore, PeriodOut, RulesRef

SEPT = parse_period("2026-09")


def line(department: str, **kw: object) -> DepartmentScore:
    base: dict[str, object] = dict(
        department_id=department, name="道路养护", name_en="Roads", mode="assessed",
        contractor=True, rank=1, handled=2, handled_on_time=1, overdue_open=1, to_handle=3,
        handled_rate=66.67, on_time_rate=33.33, overdue_open_rate=33.33, reworked=0,
        rework_rate=0.0, extended=0, extension_rate=0.0, returned=0, closed=1,
        closed_rate=33.33, ratings=1, resident_rating=4.0, rating_score=75.0, composite=70.5,
        band="C",
    )  # fmt: skip
    return DepartmentScore.model_validate({**base, **kw})


def content(*departments: DepartmentScore) -> ReportContent:
    return ReportContent(
        scope="district",
        name="方兴社区",
        name_en="Fangxing community",
        period=PeriodOut(
            period="2026-09",
            kind="month",
            first_day=SEPT.first,
            last_day=SEPT.last,
            start=SEPT.start,
            end=SEPT.end,
        ),
        rules=RulesRef(version=None, starts_on=date(2000, 1, 1)),
        summary={"handled": 2, "composite": 70.5, "band": "C"},
        departments=list(departments),
        grids=[],
        officers=[],
        trend=[TrendDay(day=d.first, filed=1, handled=1, handled_on_time=0) for d in SEPT.days()],
        categories=[
            CategoryCount(code="C01", name="公用设施", name_en="Public facilities", filed=3)
        ],
    )


def test_a_month_closes_on_the_configured_day_of_the_next_month_local_time() -> None:
    at = time(0, 0)
    assert close_moment(SEPT, 5, at) == datetime(2026, 10, 4, 16, 0, tzinfo=UTC)
    # 4 October 23:59 in Hefei: September is not closable yet, August is
    assert closable(datetime(2026, 10, 4, 15, 59, tzinfo=UTC), 5, at).label == "2026-08"
    assert closable(datetime(2026, 10, 4, 16, 0, tzinfo=UTC), 5, at).label == "2026-09"
    assert closable(datetime(2026, 1, 10, tzinfo=UTC), 5, at).label == "2025-12"


def test_changes_since_the_report_name_each_number_that_moved() -> None:
    was = content(line("roads"))
    now = content(line("roads", handled=3, to_handle=4), line("parks", rank=2))
    found = {(c.line, c.field, c.was, c.now) for c in changes(was, now)}
    assert ("department/roads", "handled", 2, 3) in found
    assert ("department/roads", "to_handle", 3, 4) in found
    assert ("department/parks", "department_id", None, "parks") in found
    assert changes(was, was) == []


@pytest.mark.parametrize("bad", ["", "city", "department", "department/", "grid"])
def test_a_scope_is_district_or_a_department_or_a_grid(bad: str) -> None:
    assert parse_scope("department/roads") == ("department", "roads")
    assert parse_scope("district") == ("district", None)
    with pytest.raises(ValidationFailed):
        parse_scope(bad)


def test_reports_are_of_months() -> None:
    assert month("2026-09").label == "2026-09"
    with pytest.raises(ValidationFailed):
        month("2026-W40")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_as_a_page_and_as_a_pdf(lang: report_render.Lang) -> None:
    report = MonthlyReportOut(
        final=True,
        taken_at=datetime(2026, 10, 4, 16, tzinfo=UTC),
        content=content(line("roads"), line("parks", name="<园林>", name_en="<Parks>", rank=2)),
        changes=changes(content(line("roads")), content(line("roads", handled=3))),
    )
    page = report_render.to_html(report, lang)
    assert page.count("<svg") == 3  # the trend, the ranking, the categories
    assert "&lt;园林&gt;" in page or "&lt;Parks&gt;" in page, "names are escaped"
    assert ("处置率" if lang == "zh" else "Handling rate") in page
    assert ("结账后的变化" if lang == "zh" else "Changes since the report") in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', ""), "no assets"
    pdf = report_render.to_pdf(report, lang)
    assert pdf.startswith(b"%PDF-") and b"NotoSansSC" in pdf


def test_a_csv_export_neutralises_formula_cells() -> None:
    from pydantic import BaseModel

    from zg_scoring.export import csv_response

    class Row(BaseModel):
        name: str
        score: float

    body = csv_response(Row, [Row(name='=HYPERLINK("x")', score=-1.5)], "r.csv").body
    assert b"'=HYPERLINK" in body and b",-1.5" in body
