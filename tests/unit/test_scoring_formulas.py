"""The department indicators against hand-computed examples (issue #13's pinned definitions):
each case's steps go through the timeline, the period's selection, the counts, the rates, the
composite, the band and the ranking exactly as the API computes them."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from zg_scoring import indicators, periods, timeline
from zg_scoring.indicators import CaseSet, Rating, round2
from zg_scoring.models import Department
from zg_scoring.rules import DEFAULT_RULES, DepartmentWeights, Rules, Version, in_force
from zg_scoring.schemas import DepartmentScore
from zg_scoring.service import department_line, ranked

TZ = ZoneInfo("Asia/Shanghai")
OCT = periods.parse_period("2026-10")
NOV = periods.parse_period("2026-11")
_seq = itertools.count()


def t(text: str) -> datetime:
    """`10-20 09:00`: a local time of 2026."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def step(
    at: str,
    action: str,
    to: str,
    department: str | None = None,
    due: str | None = None,
    *,
    was: str | None = None,
) -> timeline.Step:
    return timeline.Step(
        at=t(at),
        seq=next(_seq),
        action=action,
        to_status=to,
        department_id=department,
        from_department_id=was,
        due_at=t(due) if due else None,
    )


def dispatched(at: str, department: str, due: str) -> list[timeline.Step]:
    return [
        step(at, "accept", "accepted"),
        step(at, "file", "filed"),
        step(at, "dispatch", "dispatched", department, due),
    ]


def lines(
    cases: Mapping[str, Sequence[timeline.Step]],
    period: periods.Period,
    *,
    departments: Sequence[tuple[str, str]] = (("D1", "command"), ("D2", "command")),
    ratings: Sequence[Rating] = (),
    rules: Rules = DEFAULT_RULES,
) -> dict[str, DepartmentScore]:
    derived = {case_id: timeline.derive(steps) for case_id, steps in cases.items()}
    selected = indicators.period_cases(
        disposals=[(c, d) for c, tl in derived.items() for d in tl.disposals],
        holds=[(c, h) for c, tl in derived.items() for h in tl.holds],
        returns=[(c, r) for c, tl in derived.items() for r in tl.returns],
        ratings=ratings,
        start=period.start,
        end=period.end,
    )
    out = [
        department_line(
            Department(id=d, name=d, name_en=d, mode=mode),
            selected.get(d, CaseSet()),
            end=period.end,
            rules=rules,
        )
        for d, mode in departments
    ]
    return {x.department_id: x for x in ranked(out)}


def test_nothing_to_assess_is_null_not_zero_and_listed_after_the_ranked() -> None:
    got = lines({"c1": dispatched("10-02 09:00", "D2", "10-03 09:00")}, OCT)
    d1 = got["D1"]
    assert (d1.to_handle, d1.handled_rate, d1.on_time_rate, d1.composite, d1.band) == (
        0, None, None, None, None,
    )  # fmt: skip
    assert d1.rank is None and got["D2"].rank == 1
    assert list(got) == ["D2", "D1"]


def test_everything_overdue() -> None:
    got = lines(
        {
            "c1": dispatched("10-02 09:00", "D1", "10-03 09:00"),
            "c2": dispatched("10-20 09:00", "D1", "10-31 23:59"),
            # its deadline is after the month's end: not overdue yet, not counted
            "c3": dispatched("10-30 09:00", "D1", "11-02 09:00"),
        },
        OCT,
    )["D1"]
    assert (got.handled, got.overdue_open, got.to_handle) == (0, 2, 2)
    assert (got.handled_rate, got.on_time_rate, got.overdue_open_rate) == (0.0, 0.0, 100.0)
    # 0×.3 + 0×.2 + (100−0)×.2 + (100−100)×.2 + (100−0)×.1
    assert (got.composite, got.band) == (30.0, "E")


def test_a_case_reworked_twice_counts_once_and_by_its_last_disposal() -> None:
    steps = [
        *dispatched("10-02 09:00", "D1", "10-03 09:00"),
        step("10-02 15:00", "dispose", "disposed", "D1", "10-03 09:00"),
        step("10-02 16:00", "request_check", "checking", "D1", "10-03 09:00"),
        step("10-02 17:00", "fail_check", "dispatched", "D1", "10-04 09:00"),
        step("10-03 10:00", "dispose", "disposed", "D1", "10-04 09:00"),
        step("10-03 11:00", "request_check", "checking", "D1", "10-04 09:00"),
        step("10-03 12:00", "fail_check", "dispatched", "D1", "10-05 09:00"),
        # the last disposal is late
        step("10-06 10:00", "dispose", "disposed", "D1", "10-05 09:00"),
    ]
    got = lines({"c1": steps}, OCT)["D1"]
    assert (got.handled, got.handled_on_time, got.reworked, got.to_handle) == (1, 0, 1, 1)
    assert (got.rework_rate, got.on_time_rate) == (100.0, 0.0)
    # 100×.3 + 0×.2 + 0×.2 + 100×.2 + 100×.1
    assert (got.composite, got.band) == (60.0, "C")


def test_a_case_returned_then_dispatched_to_another_department() -> None:
    steps = [
        *dispatched("10-02 09:00", "D1", "10-03 09:00"),
        step("10-02 10:00", "request_return", "return_pending", "D1", "10-03 09:00"),
        step("10-02 11:00", "approve_return", "filed", None, "10-03 09:00", was="D1"),
        step("10-02 12:00", "dispatch", "dispatched", "D2", "10-04 12:00", was=None),
        step("10-03 12:00", "dispose", "disposed", "D2", "10-04 12:00"),
    ]
    got = lines({"c1": steps}, OCT)
    assert (got["D1"].returned, got["D1"].to_handle, got["D1"].composite) == (1, 0, None)
    d2 = got["D2"]
    assert (d2.handled, d2.handled_on_time, d2.returned, d2.composite, d2.band) == (
        1, 1, 0, 100.0, "A",
    )  # fmt: skip


def test_an_extension_that_moves_the_deadline_past_the_period_end() -> None:
    steps = [
        *dispatched("10-20 09:00", "D1", "10-25 09:00"),
        step("10-24 09:00", "request_extension", "extension_pending", "D1", "10-25 09:00"),
        step("10-24 10:00", "approve_extension", "dispatched", "D1", "11-03 09:00"),
    ]
    october = lines({"c1": steps}, OCT)["D1"]
    # held at October's end, but its deadline is in November: neither handled nor overdue
    assert (october.to_handle, october.extended, october.composite) == (0, 0, None)
    late = lines({"c1": steps}, NOV)["D1"]
    assert (late.overdue_open, late.extended, late.extension_rate) == (1, 1, 100.0)
    # 0 + 0 + 100×.2 + 0×.2 + 0×.1
    assert late.composite == 20.0
    disposed = [*steps, step("11-02 09:00", "dispose", "disposed", "D1", "11-03 09:00")]
    on_time = lines({"c1": disposed}, NOV)["D1"]
    assert (on_time.handled, on_time.handled_on_time, on_time.extended) == (1, 1, 1)
    assert (on_time.composite, on_time.band) == (90.0, "A")


def test_a_case_disposed_in_one_month_and_closed_in_the_next() -> None:
    steps = [
        *dispatched("10-29 09:00", "D1", "10-31 09:00"),
        step("10-30 09:00", "dispose", "disposed", "D1", "10-31 09:00"),
        step("11-01 09:00", "request_check", "checking", "D1", "10-31 09:00"),
        step("11-01 10:00", "pass_check", "checked", "D1", "10-31 09:00"),
        step("11-01 11:00", "close", "closed", "D1", "10-31 09:00"),
    ]
    october = lines({"c1": steps}, OCT)["D1"]
    assert (october.handled, october.closed, october.closed_rate) == (1, 0, 0.0)
    november = lines({"c1": steps}, NOV)["D1"]
    assert (november.handled, november.closed, november.to_handle) == (0, 0, 0)


def test_a_disposal_undone_in_the_next_month_still_counts_in_its_own() -> None:
    steps = [
        *dispatched("10-29 09:00", "D1", "10-31 09:00"),
        step("10-30 09:00", "dispose", "disposed", "D1", "10-31 09:00"),
        step("11-01 09:00", "request_check", "checking", "D1", "10-31 09:00"),
        step("11-01 10:00", "fail_check", "dispatched", "D1", "11-01 18:00"),
        step("11-02 10:00", "dispose", "disposed", "D1", "11-01 18:00"),
    ]
    assert lines({"c1": steps}, OCT)["D1"].handled_on_time == 1
    november = lines({"c1": steps}, NOV)["D1"]
    assert (november.handled, november.handled_on_time, november.reworked) == (1, 0, 1)


def test_a_hung_case_is_not_overdue() -> None:
    steps = [
        *dispatched("10-02 09:00", "D1", "10-03 09:00"),
        step("10-02 10:00", "request_hang", "hang_pending", "D1", "10-03 09:00"),
        step("10-02 11:00", "approve_hang", "hung", "D1", "10-03 09:00"),
    ]
    assert lines({"c1": steps}, OCT)["D1"].to_handle == 0
    resumed = [*steps, step("10-10 09:00", "resume", "dispatched", "D1", "10-11 08:00")]
    assert lines({"c1": resumed}, OCT)["D1"].overdue_open == 1


def test_rates_round_to_two_decimals_and_the_composite_uses_unrounded_rates() -> None:
    cases = {f"c{n}": dispatched("10-02 09:00", "D1", "10-03 09:00") for n in range(3)}
    for n in range(2):
        cases[f"c{n}"] = [
            *cases[f"c{n}"],
            step("10-02 12:00", "dispose", "disposed", "D1", "10-03 09:00"),
        ]
    got = lines(cases, OCT)["D1"]
    assert (got.handled_rate, got.overdue_open_rate) == (66.67, 33.33)
    # 200/3×.3 + 200/3×.2 + 100×.2 + (100 − 100/3)×.2 + 100×.1 = 76.6666… (not 76.67 − ε)
    assert (got.composite, got.band) == (76.67, "B")


def test_a_contractor_s_residents_rating_enters_its_composite() -> None:
    steps = {
        "c1": [
            *dispatched("10-02 09:00", "D1", "10-03 09:00"),
            step("10-02 12:00", "dispose", "disposed", "D1", "10-03 09:00"),
        ]
    }
    ratings = [
        Rating("c1", "D1", "G01", 2, t("10-05 09:00")),
        Rating("c1", "D1", "G01", 4, t("10-06 09:00")),
        Rating("c1", "D1", "G01", 5, t("11-06 09:00")),  # next month
    ]
    got = lines(steps, OCT, departments=[("D1", "assessed")], ratings=ratings)["D1"]
    assert (got.contractor, got.ratings, got.resident_rating, got.rating_score) == (
        True, 2, 3.0, 50.0,
    )  # fmt: skip
    assert got.composite == 95.0  # 100 × 0.9 + 50 × 0.1
    plain = lines(steps, OCT, departments=[("D1", "command")], ratings=ratings)["D1"]
    assert (plain.rating_score, plain.composite) == (None, 100.0)


def test_ties_rank_by_on_time_rate_then_department_id() -> None:
    weights = DepartmentWeights(
        handled_rate=0.5, on_time_rate=0.0, rework=0.5, overdue_open=0.0, extension=0.0
    )
    late = [
        *dispatched("10-02 09:00", "D1", "10-03 09:00"),
        step("10-04 09:00", "dispose", "disposed", "D1", "10-03 09:00"),
    ]

    def on_time(department: str) -> list[timeline.Step]:
        return [
            *dispatched("10-02 09:00", department, "10-03 09:00"),
            step("10-02 12:00", "dispose", "disposed", department, "10-03 09:00"),
        ]

    got = lines(
        {"c1": late, "c2": on_time("D3"), "c3": on_time("D2")},
        OCT,
        departments=[("D1", "command"), ("D2", "command"), ("D3", "command")],
        rules=Rules(department=weights),
    )
    assert {d: x.composite for d, x in got.items()} == {"D1": 100.0, "D2": 100.0, "D3": 100.0}
    assert [(x.department_id, x.rank) for x in got.values()] == [
        ("D2", 1), ("D3", 2), ("D1", 3),
    ]  # fmt: skip


def test_a_rules_version_starting_mid_month_rules_the_month_from_its_last_day() -> None:
    halves = Rules(
        department=DepartmentWeights(
            handled_rate=0.5, on_time_rate=0.5, rework=0, overdue_open=0, extension=0
        )
    )
    versions = [Version(date(2026, 10, 15), halves, 7)]
    steps = {"c1": dispatched("10-02 09:00", "D1", "10-03 09:00")}  # overdue
    week_before = periods.parse_period("2026-W41")  # 5–11 October: the default rules
    assert in_force(versions, week_before.last).id is None
    assert (
        lines(steps, week_before, rules=in_force(versions, week_before.last).rules)["D1"].composite
        == 30.0
    )
    month = in_force(versions, OCT.last)
    assert month.id == 7
    assert lines(steps, OCT, rules=month.rules)["D1"].composite == 0.0


def test_late_and_shuffled_arrival_counts_as_if_in_order() -> None:
    steps = [
        *dispatched("10-02 09:00", "D1", "10-03 09:00"),
        step("10-02 10:00", "request_extension", "extension_pending", "D1", "10-03 09:00"),
        step("10-02 11:00", "approve_extension", "dispatched", "D1", "10-04 09:00"),
        step("10-03 15:00", "dispose", "disposed", "D1", "10-04 09:00"),
        step("10-03 16:00", "request_check", "checking", "D1", "10-04 09:00"),
        step("10-03 17:00", "fail_check", "dispatched", "D1", "10-05 09:00"),
        step("10-04 10:00", "dispose", "disposed", "D1", "10-05 09:00"),
        step("10-04 11:00", "request_check", "checking", "D1", "10-05 09:00"),
        step("10-04 12:00", "pass_check", "checked", "D1", "10-05 09:00"),
        step("10-04 13:00", "close", "closed", "D1", "10-05 09:00"),
    ]
    expected = lines({"c1": steps}, OCT)["D1"]
    assert (expected.handled, expected.reworked, expected.extended, expected.closed) == (
        1, 1, 1, 1,
    )  # fmt: skip
    shuffled = list(steps)
    random.Random(13).shuffle(shuffled)
    # arrival order changes the tie-breaking sequence only; times decide the order
    renumbered = [s._replace(seq=n) for n, s in enumerate(shuffled)]
    assert lines({"c1": renumbered}, OCT)["D1"] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (66.665, 66.67), (2 / 3 * 100, 66.67), (0.004999, 0.0), (100.0, 100.0)],
)
def test_round2(value: float | None, expected: float | None) -> None:
    assert round2(value) == expected


def test_rating_score_maps_one_to_five_onto_zero_to_hundred() -> None:
    assert [indicators.rating_score(m) for m in (1, 3, 5, None)] == [0.0, 50.0, 100.0, None]
