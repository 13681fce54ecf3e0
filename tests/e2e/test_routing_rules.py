"""Managers change the routing rules through the API: new reports follow the change, cases
already dispatched stay where they are, every change is logged with who and why."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.e2e.support import (
    a_free_point,
    assert_problem,
    login,
    refdata,
    report_and_wait_dispatched,
    roomiest_grid,
)

pytestmark = pytest.mark.e2e


def another_point_in(grid_id: str) -> tuple[float, float]:
    lon, lat = a_free_point(grid_id=grid_id)["geometry"]["coordinates"]
    return lat, lon


async def parking(api: httpx.AsyncClient, lat: float, lon: float) -> dict[str, Any]:
    return await report_and_wait_dispatched(
        api, {"category": "E0403", "lat": lat, "lon": lon, "description": "Car on the kerb"}
    )


async def test_a_rule_change_routes_new_cases_and_leaves_dispatched_ones(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    grid = roomiest_grid()
    point = a_free_point(grid_id=grid)
    lon, lat = point["geometry"]["coordinates"]
    before = await parking(api, lat, lon)
    assert before["department"] == "traffic-police"

    manager = await login(anon, platform, "manager")
    rule = {"category": "E0403", "grid_id": grid, "department_id": "special-patrol"}
    created = await anon.post(
        "/api/v1/routing-rules", json={**rule, "reason": "event week"}, headers=manager
    )
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    try:
        after = await parking(api, *another_point_in(grid))
        assert after["department"] == "special-patrol"
        still = (await api.get(f"/api/v1/cases/{before['id']}")).json()
        assert still["department"] == "traffic-police", "a dispatched case is not moved"

        assert_problem(
            await anon.post(
                "/api/v1/routing-rules", json={**rule, "reason": "again"}, headers=manager
            ),
            409,
            "routing_rule_exists",
        )
    finally:
        off = await anon.patch(
            f"/api/v1/routing-rules/{rule_id}",
            json={"active": False, "reason": "event over"},
            headers=manager,
        )
        assert off.status_code == 200 and off.json()["active"] is False
    trail = (await anon.get(f"/api/v1/routing-rules/{rule_id}/changes", headers=manager)).json()
    assert [(c["change"], c["reason"], c["actor_role"]) for c in trail] == [
        ("created", "event week", "manager"),
        ("deactivated", "event over", "manager"),
    ]
    assert trail[1]["before"]["active"] is True and trail[1]["after"]["active"] is False


async def test_rule_changes_are_checked_and_kept_for_managers(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    manager = await login(anon, platform, "manager")
    body = {"category": "E0403", "department_id": "nowhere", "reason": "test"}
    bad = assert_problem(
        await anon.post("/api/v1/routing-rules", json=body, headers=manager),
        422,
        "validation_failed",
    )
    assert bad["errors"][0]["code"] == "unknown_department"
    unknown = {**body, "category": "E0999", "department_id": "police-station"}
    assert (
        assert_problem(
            await anon.post("/api/v1/routing-rules", json=unknown, headers=manager),
            422,
            "validation_failed",
        )["errors"][0]["code"]
        == "unknown_category"
    )
    assert_problem(
        await anon.patch("/api/v1/routing-rules/RR9999", json={"reason": "x y"}, headers=manager),
        404,
        "routing_rule_not_found",
    )
    assert_problem(await api.post("/api/v1/routing-rules", json=body), 403, "operation_forbidden")
    staff = await login(anon, platform, "roads-staff")
    assert_problem(
        await anon.put(
            "/api/v1/routing-rules/fallback",
            json={"department_id": "police-station", "reason": "x y"},
            headers=staff,
        ),
        403,
        "operation_forbidden",
    )


async def test_events_go_to_the_territory_first_grid_before_zone(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    grid = roomiest_grid()
    point = a_free_point(grid_id=grid)
    lon, lat = point["geometry"]["coordinates"]
    zone = next(
        f["properties"]["zone_type"]
        for f in refdata("grids.geojson")["features"]
        if f["properties"]["id"] == grid
    )
    manager = await login(anon, platform, "manager")
    created: list[str] = []

    async def add(scope: dict[str, str], department: str) -> None:
        body = {"category": "E0403", "department_id": department, "reason": "test", **scope}
        response = await anon.post("/api/v1/routing-rules", json=body, headers=manager)
        assert response.status_code == 201, response.text
        assert response.json()["scope"] == ("grid" if "grid_id" in scope else "zone")
        created.append(response.json()["id"])

    try:
        await add({"zone_type": zone}, "city-management")
        by_zone = await parking(api, lat, lon)
        assert by_zone["department"] == "city-management", "the zone's rule before the line's"
        await add({"grid_id": grid}, "special-patrol")
        by_grid = await parking(api, *another_point_in(grid))
        assert by_grid["department"] == "special-patrol", "the grid's rule before the zone's"
        both = {"grid_id": grid, "zone_type": zone, "category": "E0403"}
        refused = assert_problem(
            await anon.post(
                "/api/v1/routing-rules",
                json={**both, "department_id": "police-station", "reason": "x y"},
                headers=manager,
            ),
            422,
            "validation_failed",
        )
        assert refused["errors"][0]["code"] == "one_scope"
    finally:
        for rule_id in created:
            await anon.patch(
                f"/api/v1/routing-rules/{rule_id}",
                json={"active": False, "reason": "test over"},
                headers=manager,
            )


async def test_components_go_to_their_owner_first_then_the_territory(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    grid = roomiest_grid()
    point = a_free_point(grid_id=grid)
    lon, lat = point["geometry"]["coordinates"]
    manager = await login(anon, platform, "manager")
    owner = next(
        r
        for r in (await anon.get("/api/v1/routing-rules?category=C0101", headers=manager)).json()[
            "rules"
        ]
        if r["scope"] == "owner" and r["active"]
    )
    assert owner["department_id"] == "roads-contractor"
    body = {"category": "C0101", "grid_id": grid, "department_id": "greening-contractor"}
    created = await anon.post(
        "/api/v1/routing-rules", json={**body, "reason": "territory rule"}, headers=manager
    )
    assert created.status_code == 201, created.text

    async def cover(lat: float, lon: float) -> str:
        case = await report_and_wait_dispatched(
            api, {"category": "C0101", "lat": lat, "lon": lon, "description": "Cover missing"}
        )
        return str(case["department"])

    try:
        assert await cover(lat, lon) == "roads-contractor", "the owner before the territory"
        await anon.patch(
            f"/api/v1/routing-rules/{owner['id']}",
            json={"active": False, "reason": "owner unknown for a while"},
            headers=manager,
        )
        assert await cover(*another_point_in(grid)) == "greening-contractor"
    finally:
        await anon.patch(
            f"/api/v1/routing-rules/{owner['id']}",
            json={"active": True, "reason": "owner known again"},
            headers=manager,
        )
        await anon.patch(
            f"/api/v1/routing-rules/{created.json()['id']}",
            json={"active": False, "reason": "test over"},
            headers=manager,
        )
