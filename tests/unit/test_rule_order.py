"""Which rule decides a case: components go to their owner first, then the territory (先属主后
属地); events to the territory first (the grid's rule, then the zone type's), then the line
department (先属地后属主); no applicable rule leaves the case to the fallback owner."""

from __future__ import annotations

import pytest

from zg_routing.models import RoutingRule
from zg_routing.rules import choose, kind_of


def rule(rid: str, category: str, department: str, *, grid: str | None = None,
         zone: str | None = None, active: bool = True) -> RoutingRule:  # fmt: skip
    return RoutingRule(
        id=rid, category=category, grid_id=grid, zone_type=zone, department_id=department,
        active=active,
    )  # fmt: skip


def decide(rules: list[RoutingRule], category: str, grid: str = "G01", zone: str = "core") -> str:
    chosen = choose(rules, category=category, grid_id=grid, zone_type=zone)
    return chosen.department_id if chosen else "fallback"


def test_kinds_come_from_the_code() -> None:
    assert kind_of("C0101") == "component"
    assert kind_of("E0403") == "event"


def test_a_component_goes_to_its_owner_before_the_territory() -> None:
    rules = [
        rule("R1", "C0201", "territory-grid", grid="G01"),
        rule("R2", "C0201", "territory-zone", zone="core"),
        rule("R3", "C0201", "owner"),
    ]
    assert decide(rules, "C0201") == "owner"
    assert decide(rules[:2], "C0201") == "territory-grid"  # owner unknown: the territory
    assert decide(rules[1:2], "C0201") == "territory-zone"


def test_an_event_goes_to_the_territory_before_the_line_department() -> None:
    rules = [
        rule("R1", "E0403", "line"),
        rule("R2", "E0403", "territory-zone", zone="core"),
        rule("R3", "E0403", "territory-grid", grid="G01"),
    ]
    assert decide(rules, "E0403") == "territory-grid"
    assert decide(rules[:2], "E0403") == "territory-zone"
    assert decide(rules[:1], "E0403") == "line"


@pytest.mark.parametrize("category", ["C0201", "E0403"])
def test_rules_of_other_places_categories_and_inactive_rules_do_not_apply(category: str) -> None:
    rules = [
        rule("R1", category, "other-grid", grid="G02"),
        rule("R2", category, "other-zone", zone="scenic"),
        rule("R3", "E0101" if category != "E0101" else "E0102", "other-category"),
        rule("R4", category, "retired", active=False),
    ]
    assert decide(rules, category) == "fallback"
    assert decide(rules, category, grid="G02") == "other-grid"
    assert decide(rules, category, zone="scenic") == "other-zone"


def test_the_lowest_id_wins_among_rules_of_one_scope() -> None:
    # the database allows one active rule per scope; a list of inactive and active duplicates
    # read from elsewhere still decides the same way every time
    rules = [rule("R9", "E0403", "later"), rule("R2", "E0403", "earlier")]
    assert decide(rules, "E0403") == "earlier"
