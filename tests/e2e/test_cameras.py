"""The camera registry through the gateway: which cameras see a place, the nearest ones, those
in a grid or a drawn area; camera places for officers and the command centre only, stream
addresses for those allowed to watch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import assert_problem, login, refdata
from tests.helpers import eventually, unique
from zg_common.db import to_asyncpg_dsn
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


async def test_a_manager_registers_changes_retires_imports_and_exports(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    manager = await login(anon, platform, "manager")
    officer = await login(anon, platform, "ZG001")
    pole = first_pole()
    lon, lat = pole["geometry"]["coordinates"]
    plane = Projection(lat, lon)
    spot = plane.offset(lat, lon, 45, 300)  # a place of its own
    body = {
        "id": "E2E-POLE-1",
        "kind": "public_security",
        "name": "新杆",
        "owner": "公安",
        "lat": spot[0],
        "lon": spot[1],
        "height_m": 6,
        "heading_deg": 0,
        "fov_deg": 60,
        "range_m": 100,
    }
    assert_problem(
        await anon.post("/api/v1/cameras", json=body, headers=officer), 403, "operation_forbidden"
    )
    created = await anon.post("/api/v1/cameras", json=body, headers=manager)
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["status"] == "unknown"
    assert_problem(await anon.post("/api/v1/cameras", json=body, headers=manager), 409, "conflict")
    north = plane.offset(spot[0], spot[1], 0, 50)
    south = plane.offset(spot[0], spot[1], 180, 50)

    async def seers(place: tuple[float, float]) -> set[str]:
        r = await anon.get(
            "/api/v1/cameras/seeing", params={"lat": place[0], "lon": place[1]}, headers=manager
        )
        return {f["id"] for f in r.json()["features"]}

    assert "E2E-POLE-1" in await seers(north) and "E2E-POLE-1" not in await seers(south)
    turned = await anon.patch(
        "/api/v1/cameras/E2E-POLE-1", json={"heading_deg": 180}, headers=manager
    )
    assert turned.status_code == 200, turned.text
    assert "E2E-POLE-1" in await seers(south) and "E2E-POLE-1" not in await seers(north)
    wrong = assert_problem(
        await anon.patch(
            "/api/v1/cameras/E2E-POLE-1", json={"fov_deg": 360, "kind": "body"}, headers=manager
        ),
        422,
        "validation_failed",
    )
    assert "mobile" in wrong["detail"] or wrong["errors"]
    retired = await anon.post("/api/v1/cameras/E2E-POLE-1/retire", headers=manager)
    assert retired.status_code == 200 and "E2E-POLE-1" not in await seers(south)
    assert_problem(
        await anon.get("/api/v1/cameras/E2E-POLE-1", headers=manager), 404, "camera_not_found"
    )

    header = "id,kind,name,owner,lat,lon,height_m,heading_deg,fov_deg,range_m,stream_url"
    good = f"E2E-IMP-1,compound,门,物业,{spot[0]},{spot[1]},3,90,90,40,"
    bad = f"E2E-IMP-2,compound,门,物业,{spot[0]},{spot[1]},3,90,400,40,"
    csv_file = f"{header}\n{good}\n{bad}\n"
    # an import is a job: 202 at once, its Location read until it ends
    refused = await imported(anon, manager, csv_file, "text/csv")
    assert refused["status"] == "failed" and refused["error"]["code"] == "import_rejected"
    assert [e["field"] for e in refused["error"]["errors"]] == ["rows.3.fov_deg"]
    assert_problem(
        await anon.get("/api/v1/cameras/E2E-IMP-1", headers=manager), 404, "camera_not_found"
    )  # all or nothing
    kept = await imported(anon, manager, csv_file, "text/csv", mode="keep_good")
    assert kept["status"] == "done", kept
    report = kept["result"]
    assert (report["rows"], report["created"], report["rejected"]) == (2, 1, 1)
    assert report["errors"][0]["line"] == 3
    assert (await anon.get("/api/v1/cameras/E2E-IMP-1", headers=manager)).status_code == 200
    officer_reads = await anon.get(f"/api/v1/camera-imports/{kept['id']}", headers=officer)
    assert_problem(officer_reads, 403, "operation_forbidden")
    assert_problem(
        await anon.post(
            "/api/v1/cameras/import",
            content="x",
            headers={**manager, "Content-Type": "application/pdf"},
        ),
        415,
        "unsupported_media_type",
    )

    exported = await anon.get("/api/v1/cameras/export", headers=manager)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.strip().splitlines()
    assert lines[0] == header and len(lines) - 1 >= 1858
    as_geojson = await anon.get("/api/v1/cameras/export?format=geojson", headers=manager)
    again = await imported(anon, manager, as_geojson.content, "application/geo+json")
    assert again["status"] == "done", again
    assert again["result"]["created"] == 0 and again["result"]["updated"] == len(lines) - 1


async def imported(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    body: str | bytes,
    content_type: str,
    mode: str = "all_or_nothing",
) -> dict[str, Any]:
    """A camera import's job, once it has ended."""
    asked = await client.post(
        "/api/v1/cameras/import",
        params={"mode": mode},
        content=body,
        headers={**manager, "Content-Type": content_type},
    )
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "queued" and asked.json()["kind"] == "cameras.import"
    location = asked.headers["location"]
    assert location == f"/api/v1/camera-imports/{asked.json()['id']}"

    async def ended() -> dict[str, Any] | None:
        job: dict[str, Any] = (await client.get(location, headers=manager)).json()
        return job if job["status"] in ("done", "failed") else None

    return await eventually(ended, timeout=120, interval=0.3, what="the import's job")


async def test_the_video_platform_reports_health_and_an_alarm_becomes_one_case(
    anon: httpx.AsyncClient, platform: Platform, e2e_database: str
) -> None:
    video = {"X-API-Key": demo_credentials(platform)["api_keys"][1]["key"]}
    leader = await login(anon, platform, "shift-leader")
    officer = await login(anon, platform, "ZG001")
    camera = "XQ-00300"
    now = datetime.now(UTC)
    beats = {
        "beats": [
            {"camera_id": camera, "at": now.isoformat(), "state": "ok"},
            {"camera_id": "NOPE-9", "at": now.isoformat(), "state": "ok"},
        ]
    }
    heard = await anon.post("/api/v1/cameras/heartbeats", json=beats, headers=video)
    assert heard.status_code == 200, heard.text
    assert heard.json()["taken"] == 1 and heard.json()["refused"][0]["code"] == "unknown_camera"
    shown = await anon.get(f"/api/v1/cameras/{camera}", headers=leader)
    assert shown.json()["properties"]["status"] == "online"
    assert_problem(
        await anon.post("/api/v1/cameras/heartbeats", json=beats, headers=leader),
        403,
        "operation_forbidden",
    )

    stream = await anon.get(f"/api/v1/cameras/{camera}/stream", headers=leader)
    assert stream.status_code == 200 and stream.json()["stream_url"].endswith(camera)
    assert_problem(
        await anon.get(f"/api/v1/cameras/{camera}/stream", headers=officer),
        403,
        "operation_forbidden",
    )

    first = unique("vend")
    alarm = {
        "alarm_id": first,
        "camera_id": camera,
        "category": "E0402",
        "detected_at": now.isoformat(),
        "confidence": 0.91,
        "snapshot_url": "https://analytics.example/s/1.jpg",
    }
    raised = await anon.post("/api/v1/camera-alarms", json=alarm, headers=video)
    assert raised.status_code == 202, raised.text
    assert raised.json()["repeated"] is False
    again = await anon.post("/api/v1/camera-alarms", json=alarm, headers=video)
    assert again.json()["repeated"] is True
    later = {**alarm, "alarm_id": unique("vend"), "detected_at": datetime.now(UTC).isoformat()}
    assert (await anon.post("/api/v1/camera-alarms", json=later, headers=video)).status_code == 202
    assert_problem(
        await anon.post(
            "/api/v1/camera-alarms", json={**alarm, "camera_id": "NOPE-9"}, headers=video
        ),
        422,
        "validation_failed",
    )
    assert_problem(
        await anon.post("/api/v1/camera-alarms", json=alarm, headers=leader),
        403,
        "operation_forbidden",
    )

    conn = await asyncpg.connect(to_asyncpg_dsn(e2e_database))
    try:

        async def both_taken() -> list[asyncpg.Record] | None:
            rows = await conn.fetch(
                "SELECT id, status, source, media_url FROM intake.cases "
                "WHERE camera_id = $1 ORDER BY reported_at",
                camera,
            )
            return rows if len(rows) == 2 else None

        rows = await eventually(
            both_taken, timeout=30, interval=0.3, what="intake to take both alarms"
        )
    finally:
        await conn.close()
    case, repeat = rows
    assert case["source"] == "camera" and case["media_url"].endswith("1.jpg")
    assert repeat["status"] == "merged", "the same thing again joins the open case"

    async def linked() -> list[str] | None:
        r = await anon.get(f"/api/v1/cameras/by-case/{case['id']}", headers=leader)
        ids = [f["id"] for f in r.json()["features"]]
        return ids or None

    ids = await eventually(linked, timeout=30, interval=0.3, what="the case's cameras")
    assert ids[0] == camera, "the alarm's own camera stands at the case's place"
