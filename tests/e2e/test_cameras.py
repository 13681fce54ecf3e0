"""The camera registry through the gateway: which cameras see a place, the nearest ones, those
in a grid or a drawn area; camera places for officers and the command centre only, stream
addresses for those allowed to watch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.e2e.support import assert_problem, login, refdata
from zg_common.geo import Projection

pytestmark = pytest.mark.e2e


def first_pole() -> dict[str, Any]:
    camera: dict[str, Any] = next(
        c for c in refdata("cameras.geojson")["features"] if c["properties"]["id"] == "TW-00010"
    )
    return camera


async def test_the_cameras_that_see_a_place_nearest_first(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform
) -> None:
    leader = await login(anon, platform, "shift-leader")
    officer = await login(anon, platform, "ZG001")
    pole = first_pole()
    lon, lat = pole["geometry"]["coordinates"]
    plane = Projection(lat, lon)
    ahead = plane.offset(lat, lon, pole["properties"]["heading_deg"], 40)
    behind = plane.offset(lat, lon, pole["properties"]["heading_deg"] + 180, 40)

    seen = await anon.get(
        "/api/v1/cameras/seeing", params={"lat": ahead[0], "lon": ahead[1]}, headers=leader
    )
    assert seen.status_code == 200 and seen.headers["content-type"] == "application/geo+json"
    features = seen.json()["features"]
    mine = next(f for f in features if f["id"] == "TW-00010")
    assert mine["properties"]["distance_m"] == pytest.approx(40, abs=0.5)
    assert mine["properties"]["stream_url"].startswith("rtsp://"), "the command centre watches"
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances == sorted(distances)
    back = await anon.get(
        "/api/v1/cameras/seeing", params={"lat": behind[0], "lon": behind[1]}, headers=leader
    )
    assert "TW-00010" not in {f["id"] for f in back.json()["features"]}

    as_officer = await anon.get(
        "/api/v1/cameras/seeing", params={"lat": ahead[0], "lon": ahead[1]}, headers=officer
    )
    assert all(f["properties"]["stream_url"] is None for f in as_officer.json()["features"])
    assert_problem(
        await api.get("/api/v1/cameras/seeing", params={"lat": lat, "lon": lon}),
        403,
        "operation_forbidden",
    )
    assert_problem(
        await anon.get("/api/v1/cameras/seeing", params={"lat": 91, "lon": lon}, headers=leader),
        422,
        "validation_failed",
    )

    nearest = await anon.get(
        "/api/v1/cameras/nearest", params={"lat": lat, "lon": lon, "n": 5}, headers=leader
    )
    assert nearest.json()["features"][0]["id"] == "TW-00010"
    assert len(nearest.json()["features"]) == 5

    one = await anon.get("/api/v1/cameras/TW-00010", headers=officer)
    assert one.status_code == 200 and one.json()["properties"]["kind"] == "public_security"
    assert_problem(
        await anon.get("/api/v1/cameras/NOPE-1", headers=officer), 404, "camera_not_found"
    )


async def test_cameras_in_a_grid_and_in_a_drawn_area(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    leader = await login(anon, platform, "shift-leader")
    in_grid = await anon.get("/api/v1/cameras/in-grid/G04", headers=leader)
    assert in_grid.status_code == 200
    ids = {f["id"] for f in in_grid.json()["features"]}
    listed = await anon.get("/api/v1/cameras", params={"grid_id": "G04"}, headers=leader)
    assert {f["id"] for f in listed.json()["features"]} <= ids and ids
    assert_problem(
        await anon.get("/api/v1/cameras/in-grid/G99", headers=leader), 404, "grid_not_found"
    )

    pole = first_pole()
    lon, lat = pole["geometry"]["coordinates"]
    d = 0.0005  # about 50 m
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - d, lat - d],
                [lon + d, lat - d],
                [lon + d, lat + d],
                [lon - d, lat + d],
                [lon - d, lat - d],
            ]
        ],
    }
    inside = await anon.post("/api/v1/cameras/within", json=square, headers=leader)
    assert inside.status_code == 200, inside.text
    assert "TW-00010" in {f["id"] for f in inside.json()["features"]}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    refused = assert_problem(
        await anon.post("/api/v1/cameras/within", json=bowtie, headers=leader),
        422,
        "validation_failed",
    )
    assert refused["errors"][0]["code"] == "invalid_polygon"
    kinds = await anon.get("/api/v1/cameras", params={"kind": "vehicle"}, headers=leader)
    assert {f["id"] for f in kinds.json()["features"]} == {"CZ-01", "CZ-02", "CZ-03"}
