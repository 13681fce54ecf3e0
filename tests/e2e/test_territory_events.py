"""Patrol owns the territory and the other services follow its events: a point a manager
creates through the gateway can be scanned and reported at through intake (it was unknown
there, intake's copy came only from the data set), and a retired one is refused again."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import Platform
from tests.e2e.support import a_free_point, login
from tests.helpers import eventually


async def test_a_point_created_in_patrol_is_known_to_intake(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform
) -> None:
    manager = await login(anon, platform, "manager")
    place = a_free_point(grid_id="G11")
    lon, lat = place["geometry"]["coordinates"]
    body = {"grid_id": "G11", "object_type": "shop", "name": "便民店", "address": "某路8号",
            "lat": lat, "lon": lon, "reason": "a new shop on the corner"}  # fmt: skip
    created = await anon.post("/api/v1/patrol-points", json=body, headers=manager)
    assert created.status_code == 201, created.text
    point_id = created.json()["id"]
    code = await anon.get(f"/api/v1/patrol/points/{point_id}/code", headers=manager)
    assert code.status_code == 200, code.text
    token = code.json()["token"]
    report = {"category": "E0402", "point_code": token, "description": "Stall at the door"}

    async def reported() -> httpx.Response | None:
        response = await api.post("/api/v1/cases", json=report)
        return response if response.status_code == 201 else None

    accepted = await eventually(reported, timeout=30, interval=0.5, what="intake knows the point")
    case = (await api.get(f"/api/v1/cases/{accepted.json()['id']}")).json()
    assert case["patrol_point"] == point_id and case["grid_id"] == "G11"
    assert case["source"] == "qr_scan" and [case["lon"], case["lat"]] == [lon, lat]

    retired = await anon.post(
        f"/api/v1/patrol-points/{point_id}/retire", json={"reason": "shop closed"},
        headers=manager,
    )  # fmt: skip
    assert retired.status_code == 200, retired.text

    async def refused() -> dict[str, object] | None:
        response = await api.post("/api/v1/cases", json=report)
        if response.status_code != 422:
            return None
        problem: dict[str, object] = response.json()
        return problem

    problem = await eventually(refused, timeout=30, interval=0.5, what="intake forgets the point")
    assert problem["errors"][0]["code"] == "unknown_point"  # type: ignore[index]
