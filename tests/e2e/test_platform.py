"""End to end through the gateway: the platform as `make run` starts it."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from shapely.geometry import shape

from tests.conftest import Infra
from tests.e2e.conftest import IDENTITY_SECRET, Platform, demo_credentials
from tests.e2e.support import (
    a_patrol_point,
    as_role,
    assert_problem,
    expected_department,
    refdata,
    report_and_wait_dispatched,
)
from tests.helpers import SignedAs, eventually, unique
from zg_common.identity import Identity, IdentitySigner

pytestmark = pytest.mark.e2e


async def test_reported_case_is_dispatched_by_the_rules(api: httpx.AsyncClient) -> None:
    lat, lon = a_patrol_point("intersection")
    case = await report_and_wait_dispatched(
        api,
        {"category": "E0403", "lat": lat, "lon": lon, "description": "Car parked on the crossing"},
    )
    grid, department = expected_department("E0403", lat, lon)
    assert case["grid_id"] == grid
    assert case["department"] == department == "traffic-police"
    # a resident's report: verified on site by an officer of the grid, then by the rules
    assert [h["status"] for h in case["history"]] == [
        "reported",
        "verifying",
        "reported",
        "accepted",
        "filed",
        "dispatched",
    ]


async def test_grid_specific_rule_wins(api: httpx.AsyncClient) -> None:
    """Exposed garbage goes to the sanitation section of the grid it lies in."""
    north = next(
        f for f in refdata("grids.geojson")["features"] if f["properties"]["section"] == "north"
    )
    centre = shape(north["geometry"]).representative_point()
    case = await report_and_wait_dispatched(
        api,
        {"category": "E0102", "lat": centre.y, "lon": centre.x, "description": "Bags of rubbish"},
    )
    assert case["grid_id"] == north["properties"]["id"]
    assert case["department"] == "sanitation-north"


async def test_case_no_rule_matches_reaches_the_fallback_owner(api: httpx.AsyncClient) -> None:
    lat, lon = a_patrol_point("waterfront")
    case = await report_and_wait_dispatched(
        api, {"category": "C0602", "lat": lat, "lon": lon, "description": "Broken jetty railing"}
    )
    assert expected_department("C0602", lat, lon)[1] == "command-centre"
    assert case["department"] == "command-centre"


async def test_ids_travel_through_http_and_kafka(api: httpx.AsyncClient, infra: Infra) -> None:
    lat, lon = a_patrol_point("road")
    correlation = unique("corr")
    created = await api.post(
        "/api/v1/cases",
        headers={"X-Correlation-ID": correlation},
        json={"category": "E0104", "lat": lat, "lon": lon, "description": "Mud"},
    )
    assert created.status_code == 201
    assert created.headers["x-correlation-id"] == correlation
    consumer = AIOKafkaConsumer(
        "intake.case",
        "routing.case",
        bootstrap_servers=infra.kafka_bootstrap_servers,
        group_id=unique("e2e-reader"),
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: dict[str, dict[str, Any]] = {}
    try:
        deadline = time.monotonic() + 20
        while len(seen) < 3 and time.monotonic() < deadline:  # what the report itself causes
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    if r.key == created.json()["id"].encode():
                        event = json.loads(r.value or b"{}")
                        seen[event["type"]] = {"event": event, "headers": dict(r.headers or ())}
    finally:
        await consumer.stop()
    # a resident's report: routing sends an officer to verify it (the dispatch follows the
    # officer's confirmation, a request of its own with its own correlation id)
    assert set(seen) == {
        "intake.case.reported.v1",
        "routing.case.transitioned.v1",
        "routing.case.task_requested.v1",
    }
    for item in seen.values():
        assert item["event"]["correlationid"] == correlation
        assert item["event"]["specversion"] == "1.0"
        assert item["headers"]["correlation_id"] == correlation.encode()


BAD_CASES = [
    ({"lat": 31.8, "lon": 117.3, "description": "x"}, 422, ["category"]),
    ({"category": "E0403", "lon": 117.3, "description": "x"}, 422, ["lat"]),
    ({"category": "E0403", "lat": "north", "lon": 117.3, "description": "x"}, 422, ["lat"]),
    ({"category": 403, "lat": 31.8, "lon": 117.3, "description": "x"}, 422, ["category"]),
    ({"category": "E0403", "lat": 31.8, "lon": 117.3, "description": ""}, 422, ["description"]),
    ({"category": "E0403", "lat": 95, "lon": 117.3, "description": "x"}, 422, ["lat"]),
    ({"category": "E0499", "lat": 31.8, "lon": 117.3, "description": "x"}, 422, ["category"]),
    ({"category": "E04", "lat": 31.8, "lon": 117.3, "description": "x"}, 422, ["category"]),
    ({"category": "E0403", "lat": 31.7, "lon": 117.3, "description": "x"}, 422, ["lat", "lon"]),
    ({"category": "E0403", "lat": 39.9, "lon": 116.4, "description": "x"}, 422, ["lat", "lon"]),
    (
        {"category": "E0403", "lat": 31.8, "lon": 117.3, "description": "x", "extra": 1},
        422,
        ["extra"],
    ),
]


@pytest.mark.parametrize(("payload", "status", "fields"), BAD_CASES)
async def test_bad_input_is_a_problem_naming_the_field(
    api: httpx.AsyncClient, payload: dict[str, Any], status: int, fields: list[str]
) -> None:
    body = assert_problem(
        await api.post("/api/v1/cases", json=payload), status, "validation_failed"
    )
    assert sorted({e["field"] for e in body["errors"]}) == fields


async def test_malformed_and_oversized_bodies(api: httpx.AsyncClient) -> None:
    bad_json = await api.post(
        "/api/v1/cases", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert assert_problem(bad_json, 422, "validation_failed")["errors"][0]["field"] == "body"
    huge = {"category": "E0403", "lat": 31.8, "lon": 117.3, "description": "x" * 2_000_000}
    assert_problem(await api.post("/api/v1/cases", json=huge), 413, "payload_too_large")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    streamed = await api.post(
        "/api/v1/cases", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(streamed, 413, "payload_too_large")


async def test_unknown_paths_methods_and_ids(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(await api.get("/nowhere"), 404, "not_found")
    assert_problem(
        await api.get("/api/v1/cases/00000000-0000-0000-0000-000000000000"), 404, "case_not_found"
    )
    assert_problem(await api.get("/api/v1/cases/not-a-uuid"), 422, "validation_failed")
    response = await api.delete("/api/v1/categories")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_reference_data_through_the_gateway(api: httpx.AsyncClient) -> None:
    categories = (await api.get("/api/v1/categories")).json()
    kinds = {c["kind"] for c in categories}
    assert kinds == {"component", "event"}
    minors = [m for c in categories for m in c["children"]]
    assert all(m["code"].startswith(m["code"][:3]) and m["level"] == "minor" for m in minors)
    assert "E0403" in {m["code"] for m in minors}

    grids = await api.get("/api/v1/grids")
    assert grids.headers["content-type"].startswith("application/geo+json")
    collection = grids.json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 14
    assert {f["properties"]["zone_type"] for f in collection["features"]} == {
        "core",
        "residential",
        "scenic",
        "vacant",
    }
    assert all(f["geometry"]["type"] == "Polygon" for f in collection["features"])

    points, cursor = 0, None
    while True:
        page = (
            await api.get(
                "/api/v1/patrol-points",
                params={"limit": 500, **({"cursor": cursor} if cursor else {})},
            )
        ).json()
        points += len(page["features"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert points == 1149
    assert len((await api.get("/api/v1/routes")).json()["features"]) == 20
    # officers' names and certificates are personal data: not for residents
    assert_problem(await api.get("/api/v1/officers"), 403, "operation_forbidden")


async def test_one_openapi_for_the_platform(api: httpx.AsyncClient) -> None:
    doc = (await api.get("/openapi.json")).json()
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/categories",
        "/api/v1/grids",
        "/api/v1/departments",
        "/api/v1/scores/departments",
        "/api/v1/auth/login",
        "/api/v1/admin/api-keys",
    ):
        assert path in doc["paths"], path
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    # readable operation ids, unique; the credentials as security schemes (/docs' Authorize)
    ids = [
        op["operationId"]
        for item in doc["paths"].values()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    assert doc["paths"]["/api/v1/cases/{case_id}"]["get"]["operationId"] == "intake.read_case"
    assert doc["paths"]["/api/v1/auth/login"]["post"]["operationId"] == "gateway.login"
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "apiKey", "open311ApiKey"}
    assert {"bearer": []} in doc["security"] and {} in doc["security"]
    open311 = doc["paths"]["/open311/v2/requests.{fmt}"]["post"]["security"]
    assert open311 == [{"open311ApiKey": []}, {}]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc))
    assert set(refs) <= set(doc["components"]["schemas"]), "every reference resolves"
    docs = await api.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_platform_log_is_readable(platform: Platform) -> None:
    text = Path(platform.log).read_text(errors="replace")
    assert "Zongguan is running" in text
    assert "intake      |" in text and "routing     |" in text


async def test_services_trust_only_the_gateways_signature(platform: Platform) -> None:
    """Only the gateway's private key signs identities (services hold its public key), and a
    header signed for one call does not open another (service, method, path)."""
    patrol = platform.services["patrol"]
    async with httpx.AsyncClient(base_url=patrol, timeout=10) as direct:
        assert_problem(await direct.get("/api/v1/officers"), 401, "identity_missing")
        forged = SignedAs(Identity(sub="mallory", role="admin"), "a-guessed-secret", "patrol")
        response = await direct.get("/api/v1/officers", auth=forged)
        assert_problem(response, 401, "identity_invalid")
        resident = await direct.get("/api/v1/officers", auth=as_role("resident", "patrol"))
        assert_problem(resident, 403, "operation_forbidden")
        leader = as_role("shift_leader", "patrol")
        officers = (await direct.get("/api/v1/officers", auth=leader)).json()
        assert [o["badge"] for o in officers][:1] == ["ZG001"] and len(officers) == 130
        # a header captured on its way to one call, replayed on another
        signer = IdentitySigner(IDENTITY_SECRET)
        admin = Identity(sub="e2e-admin", role="admin")
        points = "/api/v1/patrol-points"
        captured = signer.sign(admin, audience="patrol", method="GET", path=points)
        for replay in (
            direct.get("/api/v1/officers", headers={"x-zg-identity": captured}),
            direct.post(points, headers={"x-zg-identity": captured}, json={}),
        ):
            assert_problem(await replay, 401, "identity_invalid")
        elsewhere = signer.sign(admin, audience="scoring", method="GET", path="/api/v1/officers")
        response = await direct.get("/api/v1/officers", headers={"x-zg-identity": elsewhere})
        assert_problem(response, 401, "identity_invalid")
        stale = signer.sign(admin, audience="patrol", method="GET", path="/api/v1/officers", now=1)
        response = await direct.get("/api/v1/officers", headers={"x-zg-identity": stale})
        assert_problem(response, 401, "identity_expired")
    scoring = platform.services["scoring"]
    async with httpx.AsyncClient(base_url=scoring, timeout=10) as direct:

        async def listed() -> bool:
            scores = await direct.get(
                "/api/v1/scores/departments", auth=as_role("manager", "scoring")
            )
            assert scores.status_code == 200
            return "traffic-police" in {d["department_id"] for d in scores.json()["departments"]}

        await eventually(listed, what="scoring to learn routing's departments from its events")


async def test_a_clients_own_identity_header_does_not_pass_the_gateway(
    anon: httpx.AsyncClient,
) -> None:
    admin = Identity(sub="e2e-admin", role="admin")
    header = IdentitySigner(IDENTITY_SECRET).sign(
        admin, audience="patrol", method="GET", path="/api/v1/officers"
    )
    response = await anon.get("/api/v1/officers", headers={"x-zg-identity": header})
    assert_problem(response, 401, "authentication_required")


async def test_logged_in_roles_get_what_the_policy_gives_them(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    credentials = demo_credentials(platform)
    passwords = {a["username"]: a["password"] for a in credentials["accounts"]}

    async def bearer(username: str) -> dict[str, str]:
        response = await api.post(
            "/api/v1/auth/login", json={"username": username, "password": passwords[username]}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    leader = await api.get("/api/v1/officers", headers=await bearer("shift-leader"))
    assert leader.status_code == 200 and len(leader.json()) == 130
    resident = await api.get("/api/v1/officers", headers=await bearer("resident"))
    assert_problem(resident, 403, "operation_forbidden")
    rules = await api.get("/api/v1/routing-rules", headers=await bearer("roads-staff"))
    assert rules.status_code == 200 and rules.json()["fallback_department_id"] == "command-centre"

    # the demo 12345 hotline key: may report and read cases, nothing else
    key = credentials["api_keys"][0]["key"]
    lat, lon = a_patrol_point("road")
    reported = await api.post(
        "/api/v1/cases",
        headers={"X-API-Key": key},
        json={"category": "E0104", "lat": lat, "lon": lon, "description": "Mud"},
    )
    assert reported.status_code == 201
    assert_problem(
        await api.get("/api/v1/officers", headers={"X-API-Key": key}), 403, "operation_forbidden"
    )


async def test_cases_are_seen_by_who_may_see_them(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api,
        {
            "category": "C0104",
            "lat": lat,
            "lon": lon,
            "description": "Power cover loose",
            "reporter_name": "Ms Wang",
            "reporter_phone": "13800000000",
        },
    )
    path = f"/api/v1/cases/{case['id']}"
    assert case["reporter"] == {"name": "Ms Wang", "phone": "13800000000"}, "her own report"
    assert_problem(await anon.get(path), 401, "authentication_required")
    assert_problem(
        await anon.post(
            "/api/v1/cases", json={"category": "E0403", "lat": lat, "lon": lon, "description": "x"}
        ),
        401,
        "authentication_required",
    )
    passwords = {a["username"]: a["password"] for a in demo_credentials(platform)["accounts"]}

    async def as_user(username: str) -> httpx.Response:
        token = (
            await anon.post(
                "/api/v1/auth/login", json={"username": username, "password": passwords[username]}
            )
        ).json()["access_token"]
        return await anon.get(path, headers={"Authorization": f"Bearer {token}"})

    assert case["department"] == "roads-contractor"
    department = await as_user("roads-staff")  # dispatched to their department
    assert department.status_code == 200
    assert department.json()["reporter"] is None, "departments never see who reported"
    assert "13800000000" not in department.text
    centre = await as_user("dispatcher")  # the command centre sees all, and may call back
    assert centre.status_code == 200 and centre.json()["reporter"]["phone"] == "13800000000"
    officer = await as_user("ZG001")  # grid G01 only
    assert officer.status_code == (200 if case["grid_id"] == "G01" else 404)
    key = demo_credentials(platform)["api_keys"][0]["key"]  # the hotline: command-centre cases
    assert_problem(await anon.get(path, headers={"X-API-Key": key}), 404, "case_not_found")
