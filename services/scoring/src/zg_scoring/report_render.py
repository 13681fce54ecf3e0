"""A monthly report as a page (HTML with inline SVG charts: no script, no external asset) and as
a PDF (fpdf2, vector text in the bundled Noto Sans SC): in Chinese, or with English labels."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any, Literal

from fpdf import FPDF

from zg_scoring.reports import MonthlyReportOut

Lang = Literal["zh", "en"]
FONT = ("zg_common", "fonts/NotoSansSC-Regular-GB2312.ttf")

LABELS: dict[str, tuple[str, str]] = {
    "title": ("月度考核报告", "Monthly assessment report"),
    "final": ("已结账", "Final"),
    "provisional": ("未结账：实时数据", "Not closed yet: live numbers"),
    "taken": ("结账时间", "taken at"),
    "rules": ("考核细则版本", "rules version"),
    "default": ("默认", "default"),
    "summary": ("主要指标", "Key figures"),
    "trend": ("每日趋势（立案 / 处置 / 按期处置）", "Daily trend (filed / handled / on time)"),
    "departments": ("部门排名（综合指标值）", "Department ranking (composite)"),
    "grids": ("网格排名（综合指标值）", "Grid ranking (composite)"),
    "officers": ("监督员积分", "Officer points"),
    "categories": ("案件类别（立案数）", "Cases filed by category"),
    "changes": ("结账后的变化", "Changes since the report"),
    "no_changes": ("结账后无变化。", "No change since the report."),
    "rank": ("名次", "Rank"),
    "name": ("名称", "Name"),
    "band": ("等级", "Band"),
    "line": ("对象", "Line"),
    "field": ("指标", "Figure"),
    "was": ("报告值", "In the report"),
    "now": ("现值", "Now"),
    "filed": ("立案数", "Filed"),
    "handled": ("处置数", "Handled"),
    "handled_on_time": ("按期处置数", "Handled on time"),
    "overdue_open": ("超期未处置数", "Overdue, open"),
    "to_handle": ("应处置数", "To handle"),
    "handled_rate": ("处置率", "Handling rate"),
    "on_time_rate": ("按期处置率", "On-time rate"),
    "overdue_open_rate": ("超期待处置率", "Overdue-open rate"),
    "rework_rate": ("返工率", "Rework rate"),
    "extension_rate": ("延期率", "Extension rate"),
    "closed_rate": ("结案率", "Closing rate"),
    "reworked": ("返工数", "Reworked"),
    "extended": ("延期数", "Extended"),
    "returned": ("回退数", "Returned"),
    "closed": ("结案数", "Closed"),
    "composite": ("综合指标值", "Composite"),
    "public_reports": ("监督举报数", "Public reports"),
    "public_report_rate": ("监督举报率", "Public report rate"),
    "patrol_completion": ("巡查完成率", "Patrol completion"),
    "visits_planned": ("计划巡查", "Visits planned"),
    "visits_done": ("完成巡查", "Visits done"),
    "rating_score": ("评价得分", "Rating score"),
    "filed_per_km2": ("每平方公里立案", "Filed per km²"),
    "points": ("积分", "Points"),
    "valid_report_rate": ("有效上报率", "Valid reports"),
    "missed_report_rate": ("漏报率", "Missed reports"),
    "incidents": ("四类可防性案件", "Preventable crimes (4 types)"),
    "incidents_per_10k_residents": ("每万人四类案件", "Per 10,000 residents"),
    "staff_per_km2": ("每平方公里管理服务人数", "Staff per km²"),
    "cost_yuan": ("运营成本（元）", "Operating cost (yuan)"),
    "registration_coverage": ("一卡通登记率", "Residents registered (%)"),
    "cost_per_handled_case": ("每处置案件成本（元）", "Cost per handled case (yuan)"),
    "handled_rate_yoy": ("处置率同比（百分点）", "Handling rate, year on year (points)"),
    "incidents_per_10k_yoy_pct": ("四类案件同比（%）", "Crimes per 10,000, year on year (%)"),
    "cost_yuan_yoy_pct": ("运营成本同比（%）", "Operating cost, year on year (%)"),
}
SUMMARY_FIELDS = (
    "filed", "to_handle", "handled", "handled_on_time", "overdue_open", "handled_rate",
    "on_time_rate", "overdue_open_rate", "rework_rate", "extension_rate", "closed_rate",
    "public_report_rate", "patrol_completion", "filed_per_km2", "rating_score", "composite",
    "incidents", "incidents_per_10k_residents", "staff_per_km2", "registration_coverage",
    "cost_yuan",
    "cost_per_handled_case", "handled_rate_yoy", "incidents_per_10k_yoy_pct", "cost_yuan_yoy_pct",
)  # fmt: skip
DEPARTMENT_COLUMNS = ("to_handle", "handled_rate", "on_time_rate", "rework_rate",
                      "overdue_open_rate", "extension_rate", "composite", "band")  # fmt: skip
GRID_COLUMNS = ("filed", "closed_rate", "on_time_rate", "public_report_rate",
                "patrol_completion", "rating_score", "composite", "band")  # fmt: skip
OFFICER_COLUMNS = ("points", "valid_report_rate", "missed_report_rate")
BAND_COLOURS = {"A": "#2e7d32", "B": "#7cb342", "C": "#fbc02d", "D": "#f57c00", "E": "#c62828"}


def label(key: str, lang: Lang) -> str:
    zh, en = LABELS.get(key, (key, key))
    return zh if lang == "zh" else en


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _title(report: MonthlyReportOut, lang: Lang) -> str:
    c = report.content
    name = c.name if lang == "zh" else c.name_en
    return f"{name} · {c.period.period} · {label('title', lang)}"


def _status(report: MonthlyReportOut, lang: Lang) -> str:
    rules = report.content.rules
    version = label("default", lang) if rules.version is None else str(rules.version)
    if report.final and report.taken_at is not None:
        state = f"{label('final', lang)} · {label('taken', lang)} {report.taken_at:%Y-%m-%d %H:%M}"
    else:
        state = label("provisional", lang)
    return f"{state} · {label('rules', lang)} {version} ({rules.starts_on})"


def _rankings(report: MonthlyReportOut, lang: Lang) -> list[tuple[str, list[tuple[str, Any]]]]:
    """(title, [(name, composite)]) of each ranking the report has."""
    c = report.content
    out = []
    if len(c.departments) > 1:
        rows = [(d.name if lang == "zh" else d.name_en, d.composite) for d in c.departments]
        out.append((label("departments", lang), rows))
    if len(c.grids) > 1:
        out.append((label("grids", lang), [(g.name if lang == "zh" else g.name_en, g.composite)
                                          for g in c.grids]))  # fmt: skip
    return out


def _table_rows(
    report: MonthlyReportOut, lang: Lang
) -> list[tuple[str, list[str], list[list[str]]]]:
    c = report.content
    tables = []
    if c.departments:
        head = [label("rank", lang), label("name", lang)] + [
            label(k, lang) for k in DEPARTMENT_COLUMNS
        ]
        rows = [
            [fmt(d.rank), d.name if lang == "zh" else d.name_en]
            + [fmt(getattr(d, k)) for k in DEPARTMENT_COLUMNS]
            for d in c.departments
        ]
        tables.append((label("departments", lang), head, rows))
    if c.grids:
        head = [label("rank", lang), label("name", lang)] + [label(k, lang) for k in GRID_COLUMNS]
        rows = [[fmt(g.rank), g.name if lang == "zh" else g.name_en]
                + [fmt(getattr(g, k)) for k in GRID_COLUMNS] for g in c.grids]  # fmt: skip
        tables.append((label("grids", lang), head, rows))
    if c.officers:
        head = [label("rank", lang), label("name", lang)] + [
            label(k, lang) for k in OFFICER_COLUMNS
        ]
        rows = [[fmt(o.rank), f"{o.badge} {o.name}"] + [fmt(getattr(o, k)) for k in OFFICER_COLUMNS]
                for o in c.officers]  # fmt: skip
        tables.append((label("officers", lang), head, rows))
    return tables


# --- HTML -----------------------------------------------------------------------------------


def _svg_bars(rows: Sequence[tuple[str, Any]], *, width: int = 640, colour: Callable[[Any], str]
              | None = None) -> str:  # fmt: skip
    """Horizontal bars, 0–100 (or 0–max), each labelled."""
    top = max([v for _, v in rows if v is not None] + [100 if colour else 1])
    bar_h, gap, left = 18, 6, 170
    height = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" font-size="12">']  # fmt: skip
    for n, (name, value) in enumerate(rows):
        y = gap + n * (bar_h + gap)
        w = 0 if value is None else (width - left - 60) * value / top
        fill = colour(value) if colour else "#1565c0"
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{html.escape(name)}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{fill}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 13}">{fmt(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _band_colour(value: Any) -> str:
    if value is None:
        return "#9e9e9e"
    for band, low in (("A", 90), ("B", 75), ("C", 60), ("D", 40)):
        if value >= low:
            return BAND_COLOURS[band]
    return BAND_COLOURS["E"]


def _svg_trend(report: MonthlyReportOut) -> str:
    days = report.content.trend
    width, height, bottom = 640, 180, 20
    top = max([max(d.filed, d.handled) for d in days] + [1])
    step = width / max(len(days), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'role="img" font-size="10">']  # fmt: skip
    for n, d in enumerate(days):
        x = n * step
        for k, (value, fill) in enumerate(
            ((d.filed, "#90caf9"), (d.handled, "#1565c0"), (d.handled_on_time, "#2e7d32"))
        ):
            h = (height - bottom - 10) * value / top
            parts.append(f'<rect x="{x + 1 + k * step / 3.5:.1f}" y="{height - bottom - h:.1f}" '
                         f'width="{step / 3.5:.1f}" height="{h:.1f}" fill="{fill}"/>')  # fmt: skip
        if n % 5 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 5}">{d.day:%m-%d}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_html(report: MonthlyReportOut, lang: Lang = "zh") -> str:
    c = report.content
    e = html.escape
    out = [
        "<!doctype html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{e(_title(report, lang))}</title>",
        "<style>body{font-family:'Noto Sans SC','Microsoft YaHei',sans-serif;margin:2em;"
        "color:#212121}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px "
        "solid #bdbdbd;padding:.2em .6em;text-align:right}td:nth-child(2),th:nth-child(2)"
        "{text-align:left}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}"
        ".status{color:#616161}</style></head><body>",
        f"<h1>{e(_title(report, lang))}</h1>",
        f'<p class="status">{e(_status(report, lang))}</p>',
        f"<h2>{e(label('summary', lang))}</h2><table>",
    ]
    for key in SUMMARY_FIELDS:
        if key in c.summary:
            out.append(f"<tr><th>{e(label(key, lang))}</th><td>{fmt(c.summary[key])}</td></tr>")
    out.append("</table>")
    out.append(f"<h2>{e(label('trend', lang))}</h2>{_svg_trend(report)}")
    for title, rows in _rankings(report, lang):
        out.append(f"<h2>{e(title)}</h2>{_svg_bars(rows, colour=_band_colour)}")
    if c.categories:
        rows = [(x.name if lang == "zh" else x.name_en, x.filed) for x in c.categories]
        out.append(f"<h2>{e(label('categories', lang))}</h2>{_svg_bars(rows)}")
    for title, head, body in _table_rows(report, lang):
        out.append(f"<h2>{e(title)}</h2><table><tr>")
        out += [f"<th>{e(h)}</th>" for h in head]
        out.append("</tr>")
        for row in body:
            out.append("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>")
        out.append("</table>")
    if report.final:
        out.append(f"<h2>{e(label('changes', lang))}</h2>")
        if not report.changes:
            out.append(f"<p>{e(label('no_changes', lang))}</p>")
        else:
            out.append("<table><tr>" + "".join(
                f"<th>{e(label(k, lang))}</th>" for k in ("line", "field", "was", "now")
            ) + "</tr>")  # fmt: skip
            for ch in report.changes:
                out.append(f"<tr><td>{e(ch.line)}</td><td>{e(label(ch.field, lang))}</td>"
                           f"<td>{e(fmt(ch.was))}</td><td>{e(fmt(ch.now))}</td></tr>")  # fmt: skip
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


# --- PDF ------------------------------------------------------------------------------------


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def to_pdf(report: MonthlyReportOut, lang: Lang = "zh") -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    font = str(resources.files(FONT[0]) / FONT[1])
    pdf.add_font("cjk", fname=font)
    pdf.add_font("cjk", style="B", fname=font)  # table headings (the one weight bundled)
    pdf.set_title(_title(report, lang))
    pdf.set_creator("Zongguan scoring")
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    pdf.multi_cell(0, 8, _title(report, lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(97, 97, 97)
    pdf.multi_cell(0, 5, _status(report, lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(33, 33, 33)
    c = report.content

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=8)

    heading(label("summary", lang))
    fields = [k for k in SUMMARY_FIELDS if k in c.summary]
    for n, key in enumerate(fields):
        pdf.cell(45, 5, label(key, lang), border=1)
        pdf.cell(40, 5, fmt(c.summary[key]), border=1, align="R")
        if n % 2 == 1 or n == len(fields) - 1:
            pdf.ln(5)

    heading(label("trend", lang))
    top = max([max(d.filed, d.handled) for d in c.trend] + [1])
    x0, y0, w, h = pdf.l_margin, pdf.get_y() + 40, 180, 38
    step = w / max(len(c.trend), 1)
    for n, d in enumerate(c.trend):
        for k, (value, colour) in enumerate(
            ((d.filed, "#90caf9"), (d.handled, "#1565c0"), (d.handled_on_time, "#2e7d32"))
        ):
            bar = h * value / top
            pdf.set_fill_color(*_hex(colour))
            pdf.rect(x0 + n * step + k * step / 3.5, y0 - bar, step / 3.5, bar, style="F")
        if n % 5 == 0:
            pdf.text(x0 + n * step, y0 + 4, f"{d.day:%m-%d}")
    pdf.set_y(y0 + 6)

    def bars(title: str, rows: Sequence[tuple[str, Any]], banded: bool) -> None:
        heading(title)
        most = max([v for _, v in rows if v is not None] + [100 if banded else 1])
        for name, value in rows:
            pdf.cell(45, 5, name[:18])
            width = 0 if value is None else 110 * value / most
            pdf.set_fill_color(*_hex(_band_colour(value) if banded else "#1565c0"))
            if width > 0:
                pdf.rect(pdf.get_x(), pdf.get_y() + 0.8, width, 3.4, style="F")
            pdf.set_x(pdf.get_x() + width + 2)
            pdf.cell(20, 5, fmt(value), new_x="LMARGIN", new_y="NEXT")

    for title, rows in _rankings(report, lang):
        bars(title, rows, banded=True)
    if c.categories:
        rows = [(x.name if lang == "zh" else x.name_en, x.filed) for x in c.categories]
        bars(label("categories", lang), rows, banded=False)
    for title, head, body in _table_rows(report, lang):
        heading(title)
        widths = [10, 40] + [(190 - 50) / (len(head) - 2)] * (len(head) - 2)
        with pdf.table(col_widths=widths, text_align="RIGHT", line_height=4.5) as table:
            table.row(head)
            for row in body:
                table.row(row)
    if report.final:
        heading(label("changes", lang))
        if not report.changes:
            pdf.cell(0, 5, label("no_changes", lang), new_x="LMARGIN", new_y="NEXT")
        else:
            with pdf.table(col_widths=(60, 50, 40, 40), line_height=4.5) as table:
                table.row([label(k, lang) for k in ("line", "field", "was", "now")])
                for ch in report.changes:
                    table.row([ch.line, label(ch.field, lang), fmt(ch.was), fmt(ch.now)])
    return bytes(pdf.output())
