"""Officer points (积分), supervisor rates and grid indicators against hand-computed examples."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from zg_scoring import grids, indicators, officers, periods, timeline
from zg_scoring.indicators import CaseSet
from zg_scoring.officers import CaseFacts, OfficerFacts, OfficerMerge, OfficerStep, OnShift
from zg_scoring.officers import PatrolMark as Mark
from zg_scoring.rules import DEFAULT_RULES, OfficerPoints, Rules, Version

TZ = ZoneInfo("Asia/Shanghai")
DAY = periods.parse_period("2026-10-27")


def t(text: str) -> datetime:
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def case(
    case_id: str,
    source: str,
    grid: str,
    reported: str,
    *,
    badge: str | None = None,
    filed: str | None = None,
    cancelled: str | None = None,
    self_handled: str | None = None,
) -> CaseFacts:
    return CaseFacts(
        case_id=case_id,
        number=case_id.upper(),
        grid_id=grid,
        source=source,
        reporter_badge=badge,
        reported_at=t(reported),
        filed_at=t(filed) if filed else None,
        cancelled_at=t(cancelled) if cancelled else None,
        self_handled_at=t(self_handled) if self_handled else None,
    )


FACTS = OfficerFacts(
    cases=[
        case("c1", "officer_handset", "G01", "10-27 09:00", badge="ZG001", filed="10-27 09:05"),
        case(
            "c2",
            "officer_handset",
            "G01",
            "10-27 09:50",
            badge="ZG001",
            filed="10-27 10:00",
            cancelled="10-27 11:00",
        ),
        case(
            "c3", "officer_handset", "G01", "10-27 11:50", badge="ZG002", self_handled="10-27 12:00"
        ),
        # 漏报: a resident found it in G01 during the day shift, no officer had
        case("c4", "resident_app", "G01", "10-27 13:00", filed="10-27 13:30"),
        # an officer's report joined it before the filing: reported
        case("c5", "hotline_12345", "G01", "10-27 14:00", filed="10-27 14:30"),
        # after the day shift: on the night shift's watch
        case("c6", "camera", "G01", "10-27 21:00", filed="10-27 21:30"),
        case("c7", "resident_app", "G02", "10-27 10:00", filed="10-27 10:30"),
        # filed the day before, cancelled today: the point is taken back today
        case(
            "c8",
            "officer_handset",
            "G01",
            "10-26 15:00",
            badge="ZG001",
            filed="10-26 15:10",
            cancelled="10-27 08:30",
        ),
    ],
    steps=[
        OfficerStep("c1", "ZG001", "confirm", True, t("10-27 09:30")),
        OfficerStep("c9", "ZG001", "pass_check", False, t("10-27 16:00")),
        OfficerStep("c9", "ZG002", "fail_check", True, t("10-27 15:00")),
        OfficerStep("c9", "ZG002", "dispose", None, t("10-27 15:30")),  # not a task
    ],
    shifts=[
        OnShift("ZG001", "G01", t("10-27 08:00"), t("10-27 20:00")),
        OnShift("ZG002", "G01", t("10-27 08:00"), t("10-27 20:00")),
        OnShift("ZG003", "G02", t("10-27 08:00"), t("10-27 20:00")),
        OnShift("ZG004", "G01", t("10-27 20:00"), t("10-28 08:00")),
    ],
    merges=[OfficerMerge("r5", "c5", "ZG002", t("10-27 14:10"))],
    patrol=[
        *(Mark("ZG001", "checkin_on_time", f"v{n}", t(f"10-27 1{n}:00")) for n in range(3)),
        Mark("ZG002", "visit_missed", "v9", t("10-27 18:00")),
        Mark("ZG002", "visit_missed", "v8", t("10-28 18:00")),  # the next day
    ],
)


def totals(entries: list[officers.Entry]) -> dict[str, float]:
    out: dict[str, float] = {}
    for e in entries:
        out[e.badge] = round(out.get(e.badge, 0) + e.points, 6)
    return out


def test_officer_points_hand_computed() -> None:
    entries = officers.entries(FACTS, DAY, [])
    # ZG001: +1 c1, +1 c2, −1 c2 cancelled, −1 c8 cancelled, +1 confirm, +0.2×3, −2 c4
    # ZG002: +2 c3, +1 fail_check in time, −1 missed visit, −2 c4
    # ZG003: −2 c7;  ZG004: nothing (c6 came in on its shift but was filed: −2)
    assert totals(entries) == {"ZG001": -0.4, "ZG002": 0.0, "ZG003": -2.0, "ZG004": -2.0}
    mine = [(e.rule, e.points, e.case_id) for e in entries if e.badge == "ZG001"]
    assert sorted(mine, key=str) == sorted(
        [
            ("report_cancelled", -1.0, "c8"),
            ("report_filed", 1.0, "c1"),
            ("task_on_time", 1.0, "c1"),
            ("report_filed", 1.0, "c2"),
            ("report_cancelled", -1.0, "c2"),
            ("checkin_on_time", 0.2, None),
            ("checkin_on_time", 0.2, None),
            ("checkin_on_time", 0.2, None),
            ("missed_report", -2.0, "c4"),
        ],
        key=str,
    )
    assert [e.at for e in entries] == sorted(e.at for e in entries)


def test_each_event_is_scored_by_the_version_in_force_at_its_time() -> None:
    doubled = Rules(officer=OfficerPoints(report_filed=2))
    versions = [Version(date(2026, 10, 27), doubled, 2)]
    by = {(e.rule, e.case_id): e.points for e in officers.entries(FACTS, DAY, versions)}
    assert by[("report_filed", "c1")] == 2.0
    # c8 was filed under the old version: its reversal takes back what it earned then
    assert by[("report_cancelled", "c8")] == -1.0
    assert by[("report_cancelled", "c2")] == -2.0


def test_supervisor_rates_hand_computed() -> None:
    rates = officers.supervisor_rates(FACTS, DAY)
    zg1, zg2 = rates["ZG001"], rates["ZG002"]
    # c1 and c2 reported today (c8 yesterday); c2 was cancelled
    assert (zg1.reports, zg1.valid_reports, zg1.valid_report_rate) == (2, 1, 50.0)
    assert (zg1.on_time_verify_rate, zg1.on_time_check_rate) == (100.0, 0.0)
    # filed today in G01 and reported during its shift: c1, c2, c4, c5 (c6 after it)
    assert (zg1.missed_reports, zg1.missed_report_base, zg1.missed_report_rate) == (1, 4, 25.0)
    # c3 (self-handled, approved) and its report merged into c5
    assert (zg2.reports, zg2.valid_report_rate, zg2.on_time_check_rate) == (2, 100.0, 100.0)
    assert zg2.on_time_verify_rate is None  # it verified nothing: null, not 0 or 100
    assert rates["ZG004"].missed_report_rate == 100.0


def test_a_merge_after_the_filing_does_not_excuse_the_missed_report() -> None:
    late = OfficerFacts(
        cases=[case("c4", "resident_app", "G01", "10-27 13:00", filed="10-27 13:30")],
        shifts=[OnShift("ZG001", "G01", t("10-27 08:00"), t("10-27 20:00"))],
        merges=[OfficerMerge("r4", "c4", "ZG001", t("10-27 13:45"))],
    )
    assert [e.rule for e in officers.entries(late, DAY, [])] == ["missed_report"]


def grid(cases: CaseSet, **kw: int | tuple[int, ...]) -> grids.GridNumbers:
    defaults: dict[str, object] = {
        "id": "G01", "area_m2": 250_000, "filed": 4, "public": 1,
        "visits_planned": 0, "visits_done": 0, "ratings": (),
    }  # fmt: skip
    facts = grids.GridFacts(cases=cases, **{**defaults, **kw})  # type: ignore[arg-type]
    return grids.numbers(facts, end_of_period=DAY, rules=DEFAULT_RULES)


def disposal(at: str, due: str, closed: str | None) -> timeline.Disposal:
    return timeline.Disposal("D1", t(at), t(due), None, False, t(closed) if closed else None, None)


def test_grid_composite_spreads_the_weights_of_missing_parts() -> None:
    cases = CaseSet(
        handled=[
            indicators.Handled("c1", disposal("10-27 10:00", "10-27 12:00", "10-27 15:00")),
            indicators.Handled("c2", disposal("10-27 11:00", "10-27 12:00", None)),
        ]
    )
    g = grid(cases)
    assert (g.rates.closed_rate, g.rates.on_time_rate, g.public_report_rate) == (50.0, 100.0, 25.0)
    assert g.filed_per_km2 == 16.0  # 4 cases on 0.25 km²
    assert (g.patrol_completion, g.rating_score) == (None, None)
    # (50×.25 + 100×.25 + (100−25)×.20) / (.25 + .25 + .20)
    assert indicators.round2(g.composite) == 75.0
    full = grid(cases, visits_planned=10, visits_done=8, ratings=(5, 4, 3))
    # 50×.25 + 100×.25 + 75×.20 + 80×.20 + 75×.10
    assert indicators.round2(full.composite) == 76.0


def test_a_grid_with_nothing_to_assess() -> None:
    g = grid(CaseSet(), filed=0, public=0)
    assert (g.composite, g.public_report_rate, g.filed_per_km2) == (None, None, 0.0)
