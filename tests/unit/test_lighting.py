"""The street lights' rules without a database: sunrise and sunset at the district against
published times, the night's plan by season, what is wrong with a light, when a circuit is
dead, and the data set's lights on the district's roads."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import REPO
from zg_lighting.faults import KEEP, Rules, dead, problem_of
from zg_lighting.schedule import Schedule, sun_times

DATA = json.loads((REPO / "deploy/data/fangxing/lights.json").read_text())
HEFEI = (31.8, 117.3)
CST = timedelta(hours=8)


@pytest.mark.parametrize(
    ("day", "noon_cst", "hours"),
    [
        # the equation of time's extremes (the sun ~16.4 min fast early in November, ~14.2
        # min slow in mid-February) around the mean solar noon at 117.3 E, 12:10.8 CST; the
        # day at 31.8 N a little over 14 h at the June solstice and 10 h in December
        (date(2026, 11, 3), 11 * 60 + 54.4, (9.8, 11.2)),
        (date(2026, 2, 11), 12 * 60 + 25.0, (10.5, 11.5)),
        (date(2026, 6, 21), 12 * 60 + 12.6, (14.0, 14.3)),
        (date(2026, 12, 21), 12 * 60 + 9.0, (9.9, 10.2)),
    ],
)
def test_the_sun_rises_and_sets_around_its_noon_for_the_days_length(
    day: date, noon_cst: float, hours: tuple[float, float]
) -> None:
    up, down = sun_times(day, *HEFEI)
    noon = up + (down - up) / 2 + CST
    minutes = noon.hour * 60 + noon.minute + noon.second / 60
    assert abs(minutes - noon_cst) <= 1.5, (day, noon)
    assert hours[0] <= (down - up).total_seconds() / 3600 <= hours[1], (day, down - up)


def test_the_night_plan_follows_the_season_and_dims_in_the_small_hours() -> None:
    schedule = Schedule(DATA)
    summer = schedule.night(date(2026, 7, 1))
    assert summer.season == "summer"
    assert summer.on_at - summer.sunset == timedelta(minutes=15)
    assert summer.sunrise - summer.off_at == timedelta(minutes=15)
    winter = schedule.night(date(2026, 12, 7))
    assert winter.on_at == winter.sunset and winter.off_at == winter.sunrise
    assert (winter.dim_from.hour, winter.dim_from.minute) == (23, 30)
    assert winter.dim_to.date() == date(2026, 12, 8) and winter.dim_to.hour == 5
    noon = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 local
    assert schedule.desired(noon) == "off"
    assert schedule.desired(winter.on_at + timedelta(minutes=1)) == "on"
    assert schedule.desired(winter.dim_from + timedelta(minutes=1)) == "dimmed"
    assert schedule.desired(winter.off_at - timedelta(minutes=1)) == "on"
    assert schedule.desired(winter.off_at + timedelta(minutes=1)) == "off"
    assert not schedule.settled(winter.on_at + timedelta(minutes=2), timedelta(minutes=5))
    assert schedule.settled(winter.on_at + timedelta(minutes=30), timedelta(minutes=5))


def light(**values: Any) -> Any:
    now = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # 22:00 local: on
    return SimpleNamespace(
        **{"reported_at": now - timedelta(minutes=1), "fault_code": None, "state": "on"} | values
    )


NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
STALE = timedelta(minutes=30)


@pytest.mark.parametrize(
    ("values", "desired", "expected"),
    [
        ({}, "on", None),
        ({"state": "off"}, "on", "off"),
        ({"state": "off"}, "dimmed", "off"),
        ({"state": "on"}, "off", "on_by_day"),
        ({"state": "off"}, "off", None),
        ({"fault_code": "no_power", "state": "off"}, "off", "off"),  # by day too
        ({"fault_code": "flicker"}, "on", "flicker"),
        ({"fault_code": "pole_damaged"}, "on", "damaged"),
        ({"reported_at": None, "state": "unknown"}, "on", KEEP),
        ({"reported_at": NOW - timedelta(hours=1), "state": "off"}, "on", KEEP),
    ],
)
def test_what_is_wrong_with_a_light(values: dict[str, Any], desired: Any, expected: Any) -> None:
    assert problem_of(light(**values), desired, judged=True, stale=STALE, now=NOW) == expected


def test_a_light_switching_now_is_not_judged_by_the_schedule() -> None:
    off = light(state="off")
    assert problem_of(off, "on", judged=False, stale=STALE, now=NOW) == KEEP
    coded = light(fault_code="lamp_failure")
    assert problem_of(coded, "on", judged=False, stale=STALE, now=NOW) == "off"


def test_a_circuit_is_dead_from_half_its_lights_and_at_least_three() -> None:
    rules = Rules(timedelta(0), dead_share=0.5, dead_min=3, stale=STALE)
    assert dead(15, 30, rules) and not dead(14, 30, rules)
    assert dead(3, 4, rules) and not dead(2, 4, rules)  # a short circuit: three at least


def test_the_data_sets_lights_line_the_roads() -> None:
    lights, circuits = DATA["lights"], {c["id"]: c for c in DATA["circuits"]}
    assert len(lights) == 844 and len(circuits) == 37 and len(DATA["cabinets"]) == 24
    per_circuit = Counter(x["circuit_id"] for x in lights)
    assert set(per_circuit) == set(circuits) and min(per_circuit.values()) >= 10
    cabinets = {c["id"] for c in DATA["cabinets"]}
    assert {c["cabinet_id"] for c in circuits.values()} <= cabinets
    assert len({x["id"] for x in lights}) == len(lights)
