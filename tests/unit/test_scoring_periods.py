"""Assessment periods in Asia/Shanghai local time, and the rules' own checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from zg_common.errors import ValidationFailed
from zg_scoring.periods import parse_period, resolve
from zg_scoring.rules import Band, GridWeights, Rules

NOW = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December 01:00 in Hefei


def test_a_month_is_its_local_days() -> None:
    p = parse_period("2026-10")
    assert (p.kind, p.first, p.last) == ("month", date(2026, 10, 1), date(2026, 10, 31))
    assert p.start == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert p.end == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert len(p.days()) == 31 and p.days()[0].label == "2026-10-01"
    assert parse_period("2026-12").last == date(2026, 12, 31)


def test_an_iso_week_runs_monday_to_sunday() -> None:
    p = parse_period("2026-W43")
    assert (p.first, p.last) == (date(2026, 10, 19), date(2026, 10, 25))
    assert parse_period("2026-W53").first == date(2026, 12, 28)  # 2026 has 53 ISO weeks


def test_a_day_and_a_range() -> None:
    day = parse_period("2026-10-27")
    assert (day.start, day.end) == (
        datetime(2026, 10, 26, 16, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 16, 0, tzinfo=UTC),
    )
    r = resolve(None, date(2026, 10, 1), date(2026, 10, 15), now=NOW)
    assert (r.kind, r.label, len(r.days())) == ("range", "2026-10-01..2026-10-15", 15)
    one = resolve(None, date(2026, 10, 1), date(2026, 10, 1), now=NOW)
    assert one.end == parse_period("2026-10-01").end


def test_no_period_is_the_current_local_month() -> None:
    assert resolve(None, None, None, now=NOW).label == "2026-12"


@pytest.mark.parametrize(
    ("period", "first", "last", "code"),
    [
        ("2026-13", None, None, "invalid_period"),
        ("2026-W54", None, None, "invalid_period"),
        ("2025-W53", None, None, "invalid_period"),  # 2025 has 52 weeks
        ("2026-11-31", None, None, "invalid_period"),
        ("October", None, None, "invalid_period"),
        ("2026-10", date(2026, 10, 1), date(2026, 10, 2), "period_and_range"),
        (None, date(2026, 10, 1), None, "range_incomplete"),
        (None, date(2026, 10, 2), date(2026, 10, 1), "range_inverted"),
        (None, date(2025, 1, 1), date(2026, 10, 1), "range_too_long"),
    ],
)
def test_a_bad_period_is_a_422_with_a_stable_code(
    period: str | None, first: date | None, last: date | None, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        resolve(period, first, last, now=NOW)
    assert caught.value.to_problem().errors[0].code == code


def test_rules_refuse_weights_that_do_not_add_up_and_bands_out_of_order() -> None:
    with pytest.raises(ValidationError, match="add up"):
        GridWeights(closed_rate=0.5)
    with pytest.raises(ValidationError, match="bands"):
        Rules(bands=(Band(band="A", min=60), Band(band="B", min=90), Band(band="E", min=0)))
    with pytest.raises(ValidationError, match="start at 0"):
        Rules(bands=(Band(band="A", min=60),))
    assert Rules().band_of(89.99) == "B" and Rules().band_of(40) == "D"
    assert Rules().band_of(39.99) == "E" and Rules().band_of(None) is None
