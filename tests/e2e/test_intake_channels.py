"""Every intake channel through the gateway: resident app and QR scan, officer handset and the
self-handled path, partner systems with idempotency keys, 12345 orders, camera alarms."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from tests import media_samples as samples
from tests.conftest import Infra
from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import (
    a_free_point,
    a_patrol_point,
    assert_problem,
    login,
    refdata,
    report_and_wait_dispatched,
)
from tests.helpers import eventually, unique
from zg_common.contracts.video_index import CameraAlarmRaised
from zg_common.db import to_asyncpg_dsn
from zg_common.events import CloudEvent
from zg_common.geo import haversine_m, wgs84_to_gcj02
from zg_routing.calendar import load_calendars

pytestmark = pytest.mark.e2e


async def test_a_phone_maps_gcj02_position_is_converted_and_placed(
    api: httpx.AsyncClient,
) -> None:
    point = a_free_point("intersection")
    point_id = point["properties"]["id"]
    lon, lat = point["geometry"]["coordinates"]
    gcj_lat, gcj_lon = wgs84_to_gcj02(lat, lon)
    assert haversine_m(lat, lon, gcj_lat, gcj_lon) > 100  # what the app would have sent
    case = await report_and_wait_dispatched(
        api,
        {
            "category": "E0403",
            "lat": gcj_lat,
            "lon": gcj_lon,
            "crs": "GCJ02",
            "description": "Car on the pavement",
            "urgency": "urgent",
        },
    )
    assert haversine_m(case["lat"], case["lon"], lat, lon) < 0.05
    assert case["grid_id"] == point["properties"]["grid_id"]
    assert case["patrol_point"] == point_id, "the nearest patrol point"
    assert case["urgency"] == "urgent" and case["source"] == "resident_app"
    assert case["address"] == point["properties"]["address"]


async def point_code(anon: httpx.AsyncClient, platform: Platform, point_id: str) -> str:
    """What the point's printed QR code carries (issued as a dispatcher prints a sheet)."""
    dispatcher = await login(anon, platform, "dispatcher")
    issued = await anon.get(f"/api/v1/patrol/points/{point_id}/code", headers=dispatcher)
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["token"]
    return token


async def test_a_qr_scan_fixes_the_place_and_the_grid(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    point = a_free_point("shop")
    point_id = point["properties"]["id"]
    token = await point_code(anon, platform, point_id)
    created = await api.post(
        "/api/v1/cases",
        json={"category": "E0402", "point_code": token, "description": "Stall at the gate"},
    )
    assert created.status_code == 201, created.text
    case = (await api.get(f"/api/v1/cases/{created.json()['id']}")).json()
    assert case["source"] == "qr_scan" and case["patrol_point"] == point_id
    assert [case["lon"], case["lat"]] == point["geometry"]["coordinates"]
    assert case["grid_id"] == point["properties"]["grid_id"]

    # a resident cannot claim a scan with a bare point id, nor with a code it made up
    bare = assert_problem(
        await api.post(
            "/api/v1/cases",
            json={"category": "E0402", "patrol_point": point_id, "description": "x"},
        ),
        422,
        "validation_failed",
    )
    assert bare["errors"][0]["code"] == "point_code_required"
    other_point = token.replace(f".{point_id}.", ".P0001.")
    for forged, reason in ((other_point, "bad_signature"), ("ZGP1.P0001.20261201.x", "malformed")):
        body = assert_problem(
            await api.post(
                "/api/v1/cases",
                json={"category": "E0402", "point_code": forged, "description": "x"},
            ),
            422,
            "validation_failed",
        )
        assert body["errors"][0]["field"] == "point_code"
        assert body["errors"][0]["code"] == reason, forged
    # officers know the points by id
    officer = await login(anon, platform, "ZG001")
    unknown = assert_problem(
        await anon.post(
            "/api/v1/cases",
            json={"category": "E0402", "patrol_point": "P9999", "description": "x"},
            headers=officer,
        ),
        422,
        "validation_failed",
    )
    assert unknown["errors"][0] == {
        "field": "patrol_point",
        "code": "unknown_patrol_point",
        "message": "no patrol point P9999",
    }
    nowhere = assert_problem(
        await api.post(
            "/api/v1/cases", json={"category": "E0402", "description": "x", "lat": 31.8}
        ),
        422,
        "validation_failed",
    )
    assert [e["field"] for e in nowhere["errors"]] == ["lon"]


async def test_a_reissued_point_code_voids_the_old_cards(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    """A card photographed and shared: the manager reissues the point's code; the old card is
    refused for residents' reports (intake) and officers' check-ins (patrol) alike."""
    point = a_free_point("shop")
    point_id = point["properties"]["id"]
    lon, lat = point["geometry"]["coordinates"]
    old = await point_code(anon, platform, point_id)
    manager = await login(anon, platform, "manager")
    reissued = await anon.post(
        f"/api/v1/patrol/points/{point_id}/code/reissue",
        json={"reason": "the card was photographed and shared"},
        headers=manager,
    )
    assert reissued.status_code == 200, reissued.text
    new = reissued.json()["token"]
    assert new != old and new.split(".")[2] == "1", "serial 1"
    officer = await login(anon, platform, "ZG001")
    scanned = await anon.post(
        "/api/v1/patrol/checkins",
        json={"token": old, "lat": lat, "lon": lon, "accuracy_m": 5},
        headers=officer,
    )
    assert assert_problem(scanned, 422, "checkin_refused")["errors"][0]["code"] == "revoked"

    async def refused_by_intake() -> dict[str, object] | None:
        response = await api.post(
            "/api/v1/cases", json={"category": "E0402", "point_code": old, "description": "x"}
        )
        if response.status_code == 201:  # intake's copy has not heard of the reissue yet
            return None
        problem: dict[str, object] = response.json()
        return problem

    problem = await eventually(refused_by_intake, timeout=30, interval=0.5, what="the reissue")
    assert problem["errors"][0]["code"] == "revoked"  # type: ignore[index]
    created = await api.post(
        "/api/v1/cases", json={"category": "E0402", "point_code": new, "description": "Stall"}
    )
    assert created.status_code == 201, created.text
    changes = await anon.get(
        "/api/v1/patrol/territory-changes", params={"subject": f"point/{point_id}"}, headers=manager
    )
    assert changes.status_code == 200, changes.text
    logged = [c for c in changes.json() if c["change"] == "code_reissued"]
    assert logged and logged[0]["reason"] == "the card was photographed and shared"


async def test_only_the_hotlines_key_files_12345_orders(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    admin = await login(anon, platform, "admin")
    made = await anon.post(
        "/api/v1/admin/api-keys",
        headers=admin,
        json={
            "name": f"a department's system {unique('k')}",
            "department_ids": ["roads-contractor"],
            "operations": ["cases.create", "cases.read"],
        },
    )
    assert made.status_code == 201, made.text
    lat, lon = a_patrol_point("road")
    order = {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
    pretending = await anon.post(
        "/api/v1/cases",
        json={**order, "external_ref": {"system": "12345", "id": unique("BH")}},
        headers={"X-API-Key": made.json()["key"]},
    )
    assert_problem(pretending, 403, "hotline_key_required")
    own_ref = await anon.post(
        "/api/v1/cases",
        json={**order, "external_ref": {"system": "roads-ticketing", "id": unique("RT")}},
        headers={"X-API-Key": made.json()["key"]},
    )
    assert own_ref.status_code == 201, own_ref.text
    key = {"X-API-Key": made.json()["key"]}
    case = await anon.get(f"/api/v1/cases/{own_ref.json()['id']}", headers=key)
    assert case.json()["source"] == "partner_api"
    hotline = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    real = await anon.post(
        "/api/v1/cases",
        json={**order, "external_ref": {"system": "12345", "id": unique("BH")}},
        headers=hotline,
    )
    assert real.status_code == 201, real.text


async def test_an_officer_reports_and_fixes_on_site_with_before_and_after_photos(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform
) -> None:
    officer = await login(anon, platform, "ZG001")
    lat, lon = a_patrol_point("market")
    report = {"category": "E0401", "lat": lat, "lon": lon, "description": "Goods on the walk"}

    reported = await anon.post(
        "/api/v1/cases", json={**report, "patrol_task": "T-20261127-ZG001-03"}, headers=officer
    )
    assert reported.status_code == 201
    case = (await anon.get(f"/api/v1/cases/{reported.json()['id']}", headers=officer)).json()
    assert case["source"] == "officer_handset" and case["patrol_task"] == "T-20261127-ZG001-03"

    async def photo(purpose: str) -> str:
        response = await anon.post(
            "/api/v1/media",
            files={"file": ("p.jpg", samples.jpeg(), "image/jpeg")},
            data={"purpose": purpose},
            headers=officer,
        )
        assert response.status_code == 201, response.text
        media_id: str = response.json()["id"]
        return media_id

    only_before = await photo("before")
    body = assert_problem(
        await anon.post(
            "/api/v1/cases",
            json={**report, "resolved_on_site": True, "media": [only_before]},
            headers=officer,
        ),
        422,
        "validation_failed",
    )
    assert body["errors"][0]["code"] == "before_and_after_required"
    assert "after" in body["errors"][0]["message"]

    fixed = await anon.post(
        "/api/v1/cases",
        json={**report, "resolved_on_site": True, "media": [only_before, await photo("after")]},
        headers=officer,
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["status"] == "self_handled"

    # not dispatched: a case reported after it is, and this one still is not
    lat, lon = a_patrol_point("market")
    await report_and_wait_dispatched(
        api, {**report, "lat": lat, "lon": lon, "description": "Another stall"}
    )
    await asyncio.sleep(1.0)
    again = (await anon.get(f"/api/v1/cases/{fixed.json()['id']}", headers=officer)).json()
    assert again["status"] == "self_handled" and again["department"] is None
    assert again["resolved_on_site"] is True

    assert_problem(
        await api.post("/api/v1/cases", json={**report, "resolved_on_site": True}),
        422,
        "validation_failed",
    )


async def test_hotline_orders_keep_their_number_and_come_once(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    lat, lon = a_patrol_point("road")
    order = unique("BH")
    report = {
        "category": "E0104",
        "lat": lat,
        "lon": lon,
        "description": "Caller: mud on the road",
        "external_ref": {"system": "12345", "id": order},
    }
    created = await anon.post("/api/v1/cases", json=report, headers=key)
    assert created.status_code == 201, created.text
    again = await anon.post("/api/v1/cases", json=report, headers=key)
    body = assert_problem(again, 409, "external_ref_exists")
    assert again.headers["location"] == f"/api/v1/cases/{created.json()['id']}"
    assert created.json()["number"] in body["detail"]


async def test_an_idempotency_key_gives_one_case_however_often_it_is_sent(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    lat, lon = a_patrol_point("road")
    report = {"category": "E0104", "lat": lat, "lon": lon, "description": "Sent with a key"}
    idem = {**key, "Idempotency-Key": unique("idem")}
    responses = await asyncio.gather(
        *(anon.post("/api/v1/cases", json=report, headers=idem) for _ in range(5))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 4
    assert_problem(
        await anon.post(
            "/api/v1/cases", json={**report, "description": "another body"}, headers=idem
        ),
        409,
        "idempotency_key_reused",
    )
    # keys are the caller's own: the same key from someone else is a new case
    resident = await login(anon, platform, "resident")
    other = await anon.post(
        "/api/v1/cases",
        json=report,
        headers={**resident, "Idempotency-Key": idem["Idempotency-Key"]},
    )
    assert other.status_code == 201 and other.json()["id"] != responses[0].json()["id"]


async def test_a_camera_alarm_becomes_one_case_however_often_it_is_raised(
    infra: Infra, e2e_database: str
) -> None:
    lat, lon = a_patrol_point("market")
    alarm_id = unique("alarm")
    alarm = CameraAlarmRaised(
        alarm_id=alarm_id,
        camera_id="TW-00042",
        category="E0402",
        lat=lat,
        lon=lon,
        detected_at="2026-11-27T09:30:00+08:00",
        confidence=0.93,
        snapshot_url="https://analytics.example/snapshots/42.jpg",
    )
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
    await producer.start()
    try:
        for _ in range(3):  # the analytics platform repeats itself
            event = CloudEvent.of(alarm, source="/video-analytics/test", subject="TW-00042")
            await producer.send_and_wait(alarm.topic, event.to_bytes(), key=b"TW-00042")
    finally:
        await producer.stop()

    conn = await asyncpg.connect(to_asyncpg_dsn(e2e_database))
    try:

        async def dispatched() -> list[asyncpg.Record] | None:
            rows = await conn.fetch(
                "SELECT source, camera_id, media_url, status FROM intake.cases "
                "WHERE external_system = 'camera-alarm' AND external_id = $1",
                alarm_id,
            )
            return rows if rows and rows[0]["status"] == "dispatched" else None

        rows = await eventually(dispatched, what="the alarm's case to be dispatched")
        await asyncio.sleep(1.0)  # the repeats have been consumed by now
        rows = await conn.fetch(
            "SELECT source, camera_id, media_url FROM intake.cases WHERE external_id = $1",
            alarm_id,
        )
    finally:
        await conn.close()
    assert len(rows) == 1
    assert rows[0]["source"] == "camera" and rows[0]["camera_id"] == "TW-00042"
    assert rows[0]["media_url"] == "https://analytics.example/snapshots/42.jpg"


async def test_dispatch_sets_the_deadline_in_the_departments_calendar(
    api: httpx.AsyncClient,
) -> None:
    """Traffic police work 24x7: an urgent parking case is due an hour after dispatch. The
    roads contractor works office hours: two working days of its calendar."""
    calendars = load_calendars(refdata("calendars.json"))
    lat, lon = a_patrol_point("intersection")
    parking = await report_and_wait_dispatched(
        api,
        {"category": "E0403", "lat": lat, "lon": lon, "description": "x", "urgency": "urgent"},
    )
    assert parking["department"] == "traffic-police" and parking["time_limit"] == "1 working_hours"
    dispatched = datetime.fromisoformat(parking["history"][-1]["at"])
    due = datetime.fromisoformat(parking["due_at"])
    assert due - dispatched == timedelta(hours=1)

    lat, lon = a_patrol_point("road")
    cover = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
    )
    assert cover["department"] == "roads-contractor" and cover["time_limit"] == "2 working_days"
    dispatched = datetime.fromisoformat(cover["history"][-1]["at"])
    expected = calendars["office"].add(dispatched, timedelta(hours=14))
    assert datetime.fromisoformat(cover["due_at"]) == expected
    assert calendars["office"].between(dispatched, expected) == timedelta(hours=14)
