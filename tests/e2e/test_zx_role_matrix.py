"""The allowed side of the role × operation matrix, exhaustively and through the gateway: every
route of every service and of the gateway itself, called by every role its operation admits
(`zg_common/policy/operations.json`), on something that role may act on, answers exactly the
success status the OpenAPI document gives for it — not merely "anything but 401/403". (The
refused side: tests/unit/test_identity_and_policy.py and test_attacks.py; the row rules,
another department's key and staff included: test_row_rules.py.)

A route without an entry in CALLS fails the test: a new route must say how it succeeds.
Named to run late: it leaves cases, points, officers, cameras and keys behind."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.access_support import a_free_household, a_phone, an_id_number, sms_code
from tests.e2e.conftest import Platform
from tests.e2e.matrix_world import DEPARTMENT, World, roles_of, today
from tests.e2e.support import expected_department, healthy_state, refdata
from tests.helpers import eventually, unique
from zg_common.authz import api_routes, declared_operations

pytestmark = pytest.mark.e2e


@dataclass
class Call:
    path: str
    json: Any = None
    params: dict[str, str] | None = None
    data: dict[str, str] | None = None
    files: dict[str, Any] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int | None = None  # None: the OpenAPI document's success status


Builder = Callable[[World, str], Awaitable[Call]]
CALLS: dict[tuple[str, str], Builder] = {}


def route(method: str, path: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        CALLS[(method, path)] = build
        return build

    return register


def fixed(path: str, **params: str) -> Builder:
    """A call of this path (and these query parameters) whoever makes it."""

    async def build(w: World, role: str) -> Call:
        return Call(path, params=params or None)

    return build


def plain(method: str, path: str, **params: str) -> None:
    """A route called at its own path (no parameters in it)."""
    CALLS[(method, path)] = fixed(path, **params)


def grid_place(grid_id: str) -> tuple[float, float]:
    feature = next(
        f
        for f in refdata("patrol_points.geojson")["features"]
        if f["properties"]["grid_id"] == grid_id
    )
    lon, lat = feature["geometry"]["coordinates"]
    return lat, lon


# ---- intake -----------------------------------------------------------------------------
@route("POST", "/api/v1/cases")
async def _report(w: World, role: str) -> Call:
    lat, lon = w.roads_place()
    return Call(
        "/api/v1/cases",
        json={"category": "E0104", "lat": lat, "lon": lon, "description": "路面污染"},
    )


plain("GET", "/api/v1/cases")
plain("GET", "/api/v1/cases/stats")
plain("GET", "/api/v1/categories")


@route("GET", "/api/v1/cases/{case_id}")
async def _case(w: World, role: str) -> Call:
    return Call(f"/api/v1/cases/{(await w.case())['id']}")


@route("POST", "/api/v1/media")
async def _upload(w: World, role: str) -> Call:
    from tests import media_samples as samples

    return Call("/api/v1/media", files={"file": ("photo.jpg", samples.jpeg(), "image/jpeg")})


@route("GET", "/api/v1/media/{media_id}")
async def _media(w: World, role: str) -> Call:
    return Call(f"/api/v1/media/{(await w.case())['media'][0]['id']}")


@route("POST", "/api/v1/cases/{case_id}/media")
async def _case_media(w: World, role: str) -> Call:
    photo = await w.photo(role, "evidence")
    return Call(f"/api/v1/cases/{(await w.case())['id']}/media", json={"media": [photo]})


@route("POST", "/api/v1/cases/{case_id}/split")
async def _split(w: World, role: str) -> Call:
    joined = await w.merged()
    return Call(f"/api/v1/cases/{joined['id']}/split", json={"reason": "两处不同的井盖"})


@route("POST", "/api/v1/cases/{case_id}/rating")
async def _rating(w: World, role: str) -> Call:
    case = await w.closed(role)
    return Call(f"/api/v1/cases/{case['id']}/rating", json={"score": 5})


HOOK = {"url": "http://127.0.0.1:9/matrix-hook"}  # loopback, a port nothing listens on


@route("POST", "/api/v1/webhooks")
async def _hook(w: World, role: str) -> Call:
    return Call("/api/v1/webhooks", json=HOOK)


plain("GET", "/api/v1/webhooks")


@route("DELETE", "/api/v1/webhooks/{webhook_id}")
async def _unhook(w: World, role: str) -> Call:
    return Call(f"/api/v1/webhooks/{(await w.post(role, '/api/v1/webhooks', json=HOOK))['id']}")


@route("GET", "/api/v1/webhooks/{webhook_id}/deliveries")
async def _deliveries(w: World, role: str) -> Call:
    made = await w.post(role, "/api/v1/webhooks", json=HOOK)
    return Call(f"/api/v1/webhooks/{made['id']}/deliveries")


O311 = "/open311/v2"


CALLS[("GET", f"{O311}/discovery.{{fmt}}")] = fixed(f"{O311}/discovery.json")


CALLS[("GET", f"{O311}/services.{{fmt}}")] = fixed(f"{O311}/services.xml")


@route("GET", f"{O311}/requests.{{fmt}}")
async def _requests(w: World, role: str) -> Call:
    return Call(f"{O311}/requests.json", params={"service_code": "C0104"})


CALLS[("GET", f"{O311}/services/{{service_code}}.{{fmt}}")] = fixed(f"{O311}/services/E0104.json")


@route("GET", f"{O311}/requests/{{service_request_id}}.{{fmt}}")
async def _request(w: World, role: str) -> Call:
    return Call(f"{O311}/requests/{(await w.case())['number']}.json")


@route("GET", f"{O311}/tokens/{{token}}.{{fmt}}")
async def _token(w: World, role: str) -> Call:
    return Call(f"{O311}/tokens/{(await w.case())['id']}.json")


@route("POST", f"{O311}/requests.{{fmt}}")
async def _submit(w: World, role: str) -> Call:
    lat, lon = w.roads_place()
    return Call(
        f"{O311}/requests.json", data={"service_code": "E0104", "lat": str(lat), "long": str(lon)}
    )


@route("GET", f"{O311}/servicerequestupdates.{{fmt}}")
async def _updates(w: World, role: str) -> Call:
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return Call(f"{O311}/servicerequestupdates.json", params={"start_date": since})


@route("POST", f"{O311}/servicerequestupdates.{{fmt}}")
async def _push_update(w: World, role: str) -> Call:
    request = await w.open311_request()
    return Call(
        f"{O311}/servicerequestupdates.json",
        data={
            "service_request_id": request["service_request_id"],
            "update_id": unique("u"),
            "status": "OPEN",
            "updated_datetime": datetime.now(UTC).isoformat(),
            "description": "市民补充说明",
        },
    )


@route("GET", f"{O311}/{{rest:path}}")
@route("POST", f"{O311}/{{rest:path}}")
async def _open311_elsewhere(w: World, role: str) -> Call:
    # the catch-all answers what Open311 has no resource for, in Open311's error format
    return Call(f"{O311}/unknown.json", expect=404)


# ---- routing ----------------------------------------------------------------------------
plain("GET", "/api/v1/departments")
plain("GET", "/api/v1/calendars")
plain("GET", "/api/v1/calendars/holidays")
plain("GET", "/api/v1/routing-rules")
plain("GET", "/api/v1/workflow/queue")
plain("GET", "/api/v1/workflow/map")
DEPT = f"/api/v1/departments/{DEPARTMENT}"
plain("GET", "/api/v1/departments/{department_id}")
plain("GET", "/api/v1/departments/{department_id}/contacts")
plain("GET", "/api/v1/departments/{department_id}/changes")
plain("GET", "/api/v1/calendars/{calendar_id}")
plain("GET", "/api/v1/calendars/{calendar_id}/changes")


CALLS[("GET", "/api/v1/departments/{department_id}")] = fixed(DEPT)
CALLS[("GET", "/api/v1/departments/{department_id}/contacts")] = fixed(f"{DEPT}/contacts")
CALLS[("GET", "/api/v1/departments/{department_id}/changes")] = fixed(f"{DEPT}/changes")
CALLS[("GET", "/api/v1/calendars/{calendar_id}")] = fixed("/api/v1/calendars/office")
CALLS[("GET", "/api/v1/calendars/{calendar_id}/changes")] = fixed(
    "/api/v1/calendars/office/changes"
)


async def read(w: World, path: str) -> Any:
    response = await w.client.get(path, headers=await w.headers("admin"))
    assert response.status_code == 200, response.text
    return response.json()


@route("PATCH", "/api/v1/departments/{department_id}")
async def _department(w: World, role: str) -> Call:
    name = (await read(w, DEPT))["name"]
    return Call(DEPT, json={"name": name, "reason": "矩阵测试：名称不变"})


async def a_holiday_year(w: World) -> dict[str, Any]:
    years: list[dict[str, Any]] = await read(w, "/api/v1/calendars/holidays")
    return years[0]


@route("GET", "/api/v1/calendars/holidays/{year}/changes")
async def _holiday_changes(w: World, role: str) -> Call:
    return Call(f"/api/v1/calendars/holidays/{(await a_holiday_year(w))['year']}/changes")


@route("PUT", "/api/v1/calendars/holidays/{year}")
async def _holidays(w: World, role: str) -> Call:
    year = await a_holiday_year(w)
    body = {k: year[k] for k in ("source", "off", "work")}
    return Call(f"/api/v1/calendars/holidays/{year['year']}", json={**body, "reason": "矩阵：不变"})


@route("PUT", "/api/v1/calendars/{calendar_id}")
async def _calendar(w: World, role: str) -> Call:
    office = await read(w, "/api/v1/calendars/office")
    body = {k: office[k] for k in ("name", "week", "holidays")}
    return Call("/api/v1/calendars/office", json={**body, "reason": "矩阵：不变"})


def same_rule(grid_id: str) -> dict[str, str]:
    """A grid's rule for a broken road surface (C0101, a component: its owner's rule for every
    grid comes first) to that same owner: nothing routes differently."""
    lat, lon = grid_place(grid_id)
    department = expected_department("C0101", lat, lon)[1]
    return {"category": "C0101", "grid_id": grid_id, "department_id": department, "reason": "矩阵"}


RULE_GRIDS = {"manager": "G05", "admin": "G06"}


@route("POST", "/api/v1/routing-rules")
async def _rule(w: World, role: str) -> Call:
    return Call("/api/v1/routing-rules", json=same_rule(RULE_GRIDS[role]))


@route("PATCH", "/api/v1/routing-rules/{rule_id}")
async def _rule_patch(w: World, role: str) -> Call:
    grid = {"manager": "G07", "admin": "G08"}[role]
    made = await w.post(role, "/api/v1/routing-rules", json=same_rule(grid))
    return Call(f"/api/v1/routing-rules/{made['id']}", json={"active": True, "reason": "矩阵"})


@route("GET", "/api/v1/routing-rules/{rule_id}/changes")
async def _rule_changes(w: World, role: str) -> Call:
    rules = await read(w, "/api/v1/routing-rules")
    return Call(f"/api/v1/routing-rules/{rules['rules'][0]['id']}/changes")


@route("PUT", "/api/v1/routing-rules/fallback")
async def _fallback(w: World, role: str) -> Call:
    current = (await read(w, "/api/v1/routing-rules"))["fallback_department_id"]
    return Call(
        "/api/v1/routing-rules/fallback", json={"department_id": current, "reason": "矩阵：不变"}
    )


@route("GET", "/api/v1/workflow/cases/{case_id}")
async def _work_item(w: World, role: str) -> Call:
    return Call(f"/api/v1/workflow/cases/{(await w.case())['id']}")


@route("POST", "/api/v1/workflow/cases/{case_id}/actions/{action}")
async def _act(w: World, role: str) -> Call:
    """Each role's own step of the lifecycle, on a case at that step."""
    setups: dict[str, tuple[Callable[[], Awaitable[dict[str, Any]]], str, dict[str, Any]]] = {
        "department_staff": (w.dispatched, "request_extension", {"hours": 4, "reason": "等配件"}),
        "officer": (w.verifying, "confirm", {}),
        "partner": (w.callback, "callback_satisfied", {}),
        "intake_operator": (w.disposed, "request_check", {}),
        "dispatcher": (w.extension_pending, "approve_extension", {}),
        "shift_leader": (w.dispatched, "cancel", {"reason": "重复上报"}),
    }
    setup, action, body = setups[role]
    case = await setup()
    return Call(f"/api/v1/workflow/cases/{case['id']}/actions/{action}", json=body)


# ---- patrol -----------------------------------------------------------------------------
plain("GET", "/api/v1/zone-types")
plain("GET", "/api/v1/grids")
plain("GET", "/api/v1/patrol-points")
plain("GET", "/api/v1/routes")
plain("GET", "/api/v1/officers")
plain("GET", "/api/v1/patrol/territory-changes", subject="point/P0001")
plain("GET", "/api/v1/patrol/positions")
plain("GET", "/api/v1/patrol/checkins/refusals", since="2026-01-01T00:00:00+08:00")
CALLS[("GET", "/api/v1/grids/{grid_id}")] = fixed("/api/v1/grids/G01")
CALLS[("GET", "/api/v1/officers/{badge}/absences")] = fixed("/api/v1/officers/ZG001/absences")
CALLS[("GET", "/api/v1/patrol/points/{point_id}/code")] = fixed("/api/v1/patrol/points/P0001/code")
CALLS[("GET", "/api/v1/patrol/qr-sheets")] = fixed("/api/v1/patrol/qr-sheets", grid_id="G01")
CALLS[("GET", "/api/v1/patrol/points/{point_id}/ratings")] = fixed(
    "/api/v1/patrol/points/P0001/ratings"
)
CALLS[("GET", "/api/v1/patrol/officers/{badge}/track")] = fixed(
    "/api/v1/patrol/officers/ZG001/track", day=str(today())
)
CALLS[("GET", "/api/v1/patrol/plans/{day}")] = fixed(f"/api/v1/patrol/plans/{today()}")
CALLS[("GET", "/api/v1/patrol/plans/{day}/officers/{badge}")] = fixed(
    f"/api/v1/patrol/plans/{today()}/officers/ZG001"
)
CALLS[("GET", "/api/v1/patrol/plans/{day}/officers/{badge}/route")] = fixed(
    f"/api/v1/patrol/plans/{today()}/officers/ZG001/route"
)


@route("POST", "/api/v1/patrol-points")
async def _point(w: World, role: str) -> Call:
    lat, lon = w.spot("G12")
    return Call(
        "/api/v1/patrol-points",
        json={
            "grid_id": "G12",
            "object_type": "market",
            "name": unique("点"),
            "address": "某路2号",
            "lat": lat,
            "lon": lon,
            "reason": "矩阵",
        },
    )


@route("PATCH", "/api/v1/patrol-points/{point_id}")
async def _point_patch(w: World, role: str) -> Call:
    return Call(
        f"/api/v1/patrol-points/{await w.new_point()}",
        json={"name": unique("改名"), "reason": "矩阵"},
    )


@route("POST", "/api/v1/patrol-points/{point_id}/retire")
async def _point_retire(w: World, role: str) -> Call:
    return Call(f"/api/v1/patrol-points/{await w.new_point()}/retire", json={"reason": "矩阵"})


@route("POST", "/api/v1/patrol/points/{point_id}/code/reissue")
async def _reissue(w: World, role: str) -> Call:
    return Call(
        f"/api/v1/patrol/points/{await w.new_point()}/code/reissue", json={"reason": "矩阵"}
    )


@route("PATCH", "/api/v1/routes/{route_id}")
async def _route_patch(w: World, role: str) -> Call:
    first = (await read(w, "/api/v1/routes"))["features"][0]
    return Call(
        f"/api/v1/routes/{first['id']}",
        json={"point_ids": first["properties"]["point_ids"], "reason": "矩阵：不变"},
    )


@route("POST", "/api/v1/officers")
async def _officer(w: World, role: str) -> Call:
    body = w.officer_body()
    w.officers.append(body["badge"])
    return Call("/api/v1/officers", json=body)


@route("PATCH", "/api/v1/officers/{badge}")
async def _officer_patch(w: World, role: str) -> Call:
    return Call(
        f"/api/v1/officers/{await w.new_officer()}", json={"name": "改名", "reason": "矩阵"}
    )


@route("POST", "/api/v1/officers/{badge}/retire")
async def _officer_retire(w: World, role: str) -> Call:
    return Call(f"/api/v1/officers/{await w.new_officer()}/retire", json={"reason": "矩阵"})


def tomorrow() -> str:
    return str(today() + timedelta(days=1))


def plan_day() -> str:
    """The day the matrix plans and drops officers out of: one no other test plans with."""
    return str(today() + timedelta(days=10))


@route("POST", "/api/v1/officers/{badge}/absences")
async def _absence(w: World, role: str) -> Call:
    badge = await w.new_officer()
    return Call(f"/api/v1/officers/{badge}/absences", json={"day": tomorrow(), "reason": "年假"})


@route("DELETE", "/api/v1/officers/{badge}/absences/{absence_id}")
async def _absence_delete(w: World, role: str) -> Call:
    badge = await w.new_officer()
    made = await w.post(
        "manager", f"/api/v1/officers/{badge}/absences", json={"day": tomorrow(), "reason": "年假"}
    )
    return Call(f"/api/v1/officers/{badge}/absences/{made['id']}")


async def plan_job_done(w: World, role: str, job: dict[str, Any]) -> None:
    async def done() -> bool:
        state = await w.client.get(
            f"/api/v1/patrol/jobs/{job['id']}", headers=await w.headers(role)
        )
        assert state.json()["status"] != "failed", state.text
        return bool(state.json()["status"] == "done")

    await eventually(done, timeout=180, interval=0.5, what="the day plan job")


@route("POST", "/api/v1/patrol/plans/{day}")
async def _plan(w: World, role: str) -> Call:
    if "job" in w._shared:  # one plan at a time: the last one made first
        await plan_job_done(w, role, w._shared["job"])
    return Call(f"/api/v1/patrol/plans/{plan_day()}")


@route("GET", "/api/v1/patrol/jobs/{job_id}")
async def _job(w: World, role: str) -> Call:
    if "job" not in w._shared:
        w._shared["job"] = await w.post(role, f"/api/v1/patrol/plans/{plan_day()}")
    return Call(f"/api/v1/patrol/jobs/{w._shared['job']['id']}")


@route("POST", "/api/v1/patrol/plans/{day}/officers/{badge}/drop-out")
async def _drop_out(w: World, role: str) -> Call:
    """Officers of the day shift of grids no other test plans with drop out of tomorrow."""
    if "job" in w._shared:
        await plan_job_done(w, "admin", w._shared["job"])
    officers = await read(w, "/api/v1/officers")
    dropped = w._shared.setdefault("dropped", set())
    badge = next(
        o["badge"]
        for o in (officers if isinstance(officers, list) else officers["items"])
        if o["badge"] not in dropped and o["grid_id"] in ("G10", "G11") and o["shift"] == "day"
    )
    dropped.add(badge)
    return Call(
        f"/api/v1/patrol/plans/{plan_day()}/officers/{badge}/drop-out", json={"reason": "病假"}
    )


@route("POST", "/api/v1/patrol/checkins")
async def _checkin(w: World, role: str) -> Call:
    points = await read(w, "/api/v1/patrol-points?grid_id=G01")
    lon, lat = next(f for f in points["features"] if f["id"] == "P0001")["geometry"]["coordinates"]
    return Call(
        "/api/v1/patrol/checkins",
        json={"token": await w.point_code(), "lat": lat, "lon": lon, "accuracy_m": 6},
    )


@route("GET", "/api/v1/patrol/points/by-code/{token}")
async def _by_code(w: World, role: str) -> Call:
    return Call(f"/api/v1/patrol/points/by-code/{await w.point_code()}")


@route("POST", "/api/v1/patrol/points/by-code/{token}/ratings")
async def _rate_point(w: World, role: str) -> Call:
    return Call(f"/api/v1/patrol/points/by-code/{await w.point_code()}/ratings", json={"score": 4})


@route("POST", "/api/v1/patrol/positions")
async def _positions(w: World, role: str) -> Call:
    now = datetime.now(UTC)
    fixes = [
        {
            "at": (now - timedelta(seconds=s)).isoformat(),
            "lat": 31.8 + s / 1e5,
            "lon": 117.29,
            "accuracy_m": 7,
        }
        for s in (20, 10)
    ]
    return Call("/api/v1/patrol/positions", json={"fixes": fixes})


# ---- scoring ----------------------------------------------------------------------------
plain("GET", "/api/v1/scores/departments")
plain("GET", "/api/v1/scores/officers")
plain("GET", "/api/v1/scores/grids")
plain("GET", "/api/v1/scores/rules")
CALLS[("GET", "/api/v1/scores/departments/{department_id}")] = fixed(
    f"/api/v1/scores/departments/{DEPARTMENT}"
)
CALLS[("GET", "/api/v1/scores/departments/{department_id}/cases")] = fixed(
    f"/api/v1/scores/departments/{DEPARTMENT}/cases"
)
CALLS[("GET", "/api/v1/scores/officers/{badge}/events")] = fixed(
    "/api/v1/scores/officers/ZG001/events"
)
CALLS[("GET", "/api/v1/scores/grids/{grid_id}/cases")] = fixed("/api/v1/scores/grids/G01/cases")


@route("GET", "/api/v1/scores/reports/{period}")
async def _report_period(w: World, role: str) -> Call:
    # a department reads its own report; the district's is the command centre's
    scope = f"department/{DEPARTMENT}" if role == "department_staff" else "district"
    return Call(f"/api/v1/scores/reports/{today():%Y-%m}", params={"scope": scope})


@route("POST", "/api/v1/scores/rules")
async def _score_rules(w: World, role: str) -> Call:
    # each version starts after the latest one
    later = w._shared["rules_versions"] = w._shared.get("rules_versions", 0) + 1
    starts = today() + timedelta(days=400 + later)
    rules = {
        "department": {
            "handled_rate": 0.3,
            "on_time_rate": 0.3,
            "rework": 0.2,
            "overdue_open": 0.1,
            "extension": 0.1,
        }
    }
    return Call("/api/v1/scores/rules", json={"starts_on": str(starts), "rules": rules})


async def rebuild_done(w: World, job: dict[str, Any]) -> None:
    async def done() -> bool:
        state = (await read(w, f"/api/v1/scores/rebuilds/{job['id']}"))["state"]
        assert state != "failed"
        return bool(state == "done")

    await eventually(done, timeout=120, interval=0.5, what="the scores rebuild")


@route("POST", "/api/v1/scores/rebuilds")
async def _rebuild(w: World, role: str) -> Call:
    return Call("/api/v1/scores/rebuilds", json={"reason": "矩阵：重算"})


@route("GET", "/api/v1/scores/rebuilds/{job_id}")
async def _rebuild_job(w: World, role: str) -> Call:
    jobs = w._shared.setdefault("rebuilds", [])
    assert jobs, "the rebuild is asked for before it is read (route order)"
    return Call(f"/api/v1/scores/rebuilds/{jobs[-1]['id']}")


# ---- video-index ------------------------------------------------------------------------
CAMERA = "XQ-00300"
plain("GET", "/api/v1/cameras")
CALLS[("GET", "/api/v1/cameras/in-grid/{grid_id}")] = fixed("/api/v1/cameras/in-grid/G01")
CALLS[("GET", "/api/v1/cameras/{camera_id}")] = fixed(f"/api/v1/cameras/{CAMERA}")
CALLS[("GET", "/api/v1/cameras/{camera_id}/stream")] = fixed(f"/api/v1/cameras/{CAMERA}/stream")
CALLS[("GET", "/api/v1/cameras/export")] = fixed("/api/v1/cameras/export")


def near(kind: str) -> Builder:
    async def build(w: World, role: str) -> Call:
        case = await w.case()
        return Call(
            f"/api/v1/cameras/{kind}", params={"lat": str(case["lat"]), "lon": str(case["lon"])}
        )

    return build


CALLS[("GET", "/api/v1/cameras/seeing")] = near("seeing")
CALLS[("GET", "/api/v1/cameras/nearest")] = near("nearest")


@route("POST", "/api/v1/cameras/within")
async def _within(w: World, role: str) -> Call:
    case, d = await w.case(), 0.003
    lat, lon = case["lat"], case["lon"]
    ring = [
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d],
    ]
    return Call("/api/v1/cameras/within", json={"type": "Polygon", "coordinates": [ring]})


@route("GET", "/api/v1/cameras/by-case/{case_id}")
async def _by_case(w: World, role: str) -> Call:
    return Call(f"/api/v1/cameras/by-case/{(await w.case())['id']}")


@route("POST", "/api/v1/cameras")
async def _camera(w: World, role: str) -> Call:
    case = await w.case()
    return Call(
        "/api/v1/cameras",
        json={
            "id": unique("MX").upper().replace("_", "-"),
            "kind": "public_security",
            "name": "矩阵",
            "owner": "公安",
            "lat": case["lat"] - 0.0005,
            "lon": case["lon"],
            "height_m": 6,
            "heading_deg": 0,
            "fov_deg": 60,
            "range_m": 100,
        },
    )


@route("PATCH", "/api/v1/cameras/{camera_id}")
async def _camera_patch(w: World, role: str) -> Call:
    return Call(f"/api/v1/cameras/{await w.new_camera()}", json={"heading_deg": 90})


@route("POST", "/api/v1/cameras/{camera_id}/retire")
async def _camera_retire(w: World, role: str) -> Call:
    return Call(f"/api/v1/cameras/{await w.new_camera()}/retire")


@route("POST", "/api/v1/cameras/import")
async def _camera_import(w: World, role: str) -> Call:
    exported = await w.client.get("/api/v1/cameras/export", headers=await w.headers("admin"))
    rows = list(csv.reader(io.StringIO(exported.text)))
    header, row = rows[0], rows[1]
    row[header.index("id")] = unique("MXI").upper().replace("_", "-")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, row])
    return Call(
        "/api/v1/cameras/import",
        content=out.getvalue().encode(),
        headers={"Content-Type": "text/csv"},
    )


@route("GET", "/api/v1/camera-imports/{job_id}")
async def _import_job(w: World, role: str) -> Call:
    if "import" not in w._shared:
        made = await _camera_import(w, role)
        asked = await w.client.post(
            made.path, content=made.content, headers={**await w.headers(role), **made.headers}
        )
        assert asked.status_code == 202, asked.text
        w._shared["import"] = asked.json()
    return Call(f"/api/v1/camera-imports/{w._shared['import']['id']}")


@route("POST", "/api/v1/cameras/heartbeats")
async def _heartbeats(w: World, role: str) -> Call:
    beat = {"camera_id": CAMERA, "at": datetime.now(UTC).isoformat(), "state": "ok"}
    return Call("/api/v1/cameras/heartbeats", json={"beats": [beat]})


@route("POST", "/api/v1/camera-alarms")
async def _alarm(w: World, role: str) -> Call:
    return Call(
        "/api/v1/camera-alarms",
        json={
            "alarm_id": unique("mx"),
            "camera_id": CAMERA,
            "category": "E0402",
            "detected_at": datetime.now(UTC).isoformat(),
            "confidence": 0.9,
        },
    )


# ---- the gateway's own ------------------------------------------------------------------
plain("GET", "/api/v1/auth/me")
plain("GET", "/api/v1/admin/api-keys")
plain("GET", "/api/v1/admin/accounts")
plain("GET", "/api/v1/admin/audit")


@route("POST", "/api/v1/auth/login")
async def _login(w: World, role: str) -> Call:
    _, username, password = await w.new_account()
    return Call("/api/v1/auth/login", json={"username": username, "password": password})


@route("POST", "/api/v1/auth/refresh")
async def _refresh(w: World, role: str) -> Call:
    return Call("/api/v1/auth/refresh", json={"refresh_token": await w.refresh_token()})


@route("POST", "/api/v1/auth/logout")
async def _logout(w: World, role: str) -> Call:
    return Call("/api/v1/auth/logout", json={"refresh_token": await w.refresh_token()})


KEY = {"department_ids": [DEPARTMENT], "operations": ["cases.read"]}


@route("POST", "/api/v1/admin/api-keys")
async def _key(w: World, role: str) -> Call:
    return Call("/api/v1/admin/api-keys", json={"name": unique("key"), **KEY})


@route("POST", "/api/v1/admin/api-keys/{key_id}/rotate")
async def _rotate(w: World, role: str) -> Call:
    made = await w.post(role, "/api/v1/admin/api-keys", json={"name": unique("key"), **KEY})
    return Call(f"/api/v1/admin/api-keys/{made['id']}/rotate")


@route("DELETE", "/api/v1/admin/api-keys/{key_id}")
async def _revoke(w: World, role: str) -> Call:
    made = await w.post(role, "/api/v1/admin/api-keys", json={"name": unique("key"), **KEY})
    return Call(f"/api/v1/admin/api-keys/{made['id']}")


@route("POST", "/api/v1/admin/accounts")
async def _account(w: World, role: str) -> Call:
    return Call(
        "/api/v1/admin/accounts",
        json={
            "username": unique("mx"),
            "role": "resident",
            "password": unique("pw") + "-long-enough",
        },
    )


@route("DELETE", "/api/v1/admin/accounts/{account_id}")
async def _disable(w: World, role: str) -> Call:
    account_id, _, _ = await w.new_account()
    return Call(f"/api/v1/admin/accounts/{account_id}")


plain("POST", "/api/v1/ops/stream-tickets")
plain("GET", "/api/v1/ops/stream")


# ---- access ------------------------------------------------------------------------------
plain("GET", "/api/v1/access/me")
plain("GET", "/api/v1/access/compounds")
plain("GET", "/api/v1/access/occupancy")
plain("GET", "/api/v1/access/personal-reads")
CALLS[("GET", "/api/v1/access/compounds/{compound_id}")] = fixed("/api/v1/access/compounds/CP001")
CALLS[("GET", "/api/v1/access/compounds/{compound_id}/households")] = fixed(
    "/api/v1/access/compounds/CP001/households"
)


@route("POST", "/api/v1/access/me/link-codes")
async def _link_code(w: World, role: str) -> Call:
    return Call("/api/v1/access/me/link-codes", json={"id_number": an_id_number()})


@route("POST", "/api/v1/access/me/link")
async def _link(w: World, role: str) -> Call:
    person = (await w.resident_record(fresh=True))["person"]
    since = Path(w.platform.log).stat().st_size
    await w.post(role, "/api/v1/access/me/link-codes", json={"id_number": person["id_number"]})
    return Call(
        "/api/v1/access/me/link", json={"code": await sms_code(w.platform, person["phone"], since)}
    )


@route("POST", "/api/v1/access/residents")
async def _register(w: World, role: str) -> Call:
    async with httpx.AsyncClient(
        base_url=w.platform.gateway, timeout=15, headers=await w.headers(role)
    ) as staff:
        household = await a_free_household(staff, "CP002")
    return Call(
        "/api/v1/access/residents",
        json={
            "compound_id": "CP002",
            "household": household,
            "name": "矩阵居民",
            "id_number": an_id_number(),
            "phone": a_phone(),
            "arrived_on": today().isoformat(),
            "tenure": "owner",
        },
    )


plain("GET", "/api/v1/access/residents", compound_id="CP001")


@route("GET", "/api/v1/access/residents/{resident_id}")
async def _resident(w: World, role: str) -> Call:
    return Call(f"/api/v1/access/residents/{(await w.resident_record())['id']}")


@route("POST", "/api/v1/access/residents/{resident_id}/identity")
async def _identity(w: World, role: str) -> Call:
    rid = (await w.resident_record())["id"]
    return Call(f"/api/v1/access/residents/{rid}/identity", json={"purpose": "矩阵 matrix check"})


@route("POST", "/api/v1/access/residents/{resident_id}/departure")
async def _departure(w: World, role: str) -> Call:
    rid = (await w.resident_record(fresh=True))["id"]
    return Call(
        f"/api/v1/access/residents/{rid}/departure", json={"departed_on": today().isoformat()}
    )


@route("POST", "/api/v1/access/residents/{resident_id}/cards")
async def _card(w: World, role: str) -> Call:
    rid = (await w.resident_record(fresh=True))["id"]
    return Call(f"/api/v1/access/residents/{rid}/cards", json={"reason": "lost"})


@route("POST", "/api/v1/access/swipes")
async def _swipes(w: World, role: str) -> Call:
    card = (await w.resident_record())["cards"][0]["number"]
    swipe = {
        "ref": unique("mx"),
        "gate_id": "CP001-G1",
        "card_number": card,
        "at": datetime.now(UTC).isoformat(),
        "accepted": True,
    }
    return Call("/api/v1/access/swipes", json={"swipes": [swipe]})


@route("POST", "/api/v1/access/gate-heartbeats")
async def _gate_beats(w: World, role: str) -> Call:
    beat = {"gate_id": "CP001-G1", "at": datetime.now(UTC).isoformat()}
    return Call("/api/v1/access/gate-heartbeats", json={"beats": [beat]})


# ---- lighting ----------------------------------------------------------------------------
for _path in ("lights", "circuits", "faults", "schedule", "energy", "stats"):
    plain("GET", f"/api/v1/lighting/{_path}")


@route("POST", "/api/v1/lighting/reports")
async def _light_reports(w: World, role: str) -> Call:
    # healthy by the schedule: no fault, no case
    report = {"light_id": "LD-0844", "at": datetime.now(UTC).isoformat(), "state": healthy_state()}
    return Call("/api/v1/lighting/reports", json={"reports": [report]})


# ---- district indicators -------------------------------------------------------------------
CALLS[("GET", "/api/v1/scores/district/{month}")] = fixed("/api/v1/scores/district/2026-10")
CALLS[("GET", "/api/v1/scores/incidents/{month}")] = fixed("/api/v1/scores/incidents/2026-10")
plain("GET", "/api/v1/scores/costs")


@route("PUT", "/api/v1/scores/incidents/{month}")
async def _incidents(w: World, role: str) -> Call:
    grids = [{"grid_id": "G02", "burglary": 1, "motor_vehicle_theft": 0, "bicycle_theft": 2,
              "robbery_snatching": 0}]  # fmt: skip
    return Call("/api/v1/scores/incidents/2026-10", json={"grids": grids})


@route("PUT", "/api/v1/scores/costs/{month}")
async def _cost(w: World, role: str) -> Call:
    return Call("/api/v1/scores/costs/2026-10", json={"amount_yuan": "980000.50"})


# ---- the run ----------------------------------------------------------------------------
def every_route() -> list[tuple[str, str, str]]:
    """(method, path, operation) of every service route and of the gateway's own."""
    from zg_gateway import admin, ops
    from zg_gateway import router as auth

    text = resources.files("zg_common").joinpath("policy/routes.json").read_text("utf-8")
    rows = [(m, p, o) for routes in json.loads(text).values() for m, p, o in routes]
    for router in (
        auth.router,
        admin.router,
        admin.audit_router,
        admin.accounts_router,
        ops.router,
    ):
        for path, r in api_routes(router.routes):
            (operation,) = declared_operations(r)
            rows += [(m, path, operation) for m in sorted(r.methods or ())]
    return rows


def success_status(document: dict[str, Any], method: str, path: str) -> int | None:
    """The 2xx the OpenAPI document gives the operation (its path's converters left out)."""
    operation = document["paths"].get(re.sub(r":\w+\}", "}", path), {}).get(method.lower())
    if operation is None:
        return None
    codes = sorted(int(c) for c in operation["responses"] if c.startswith("2"))
    return codes[0] if codes else None


async def send(w: World, method: str, role: str, call: Call) -> httpx.Response:
    """The call as `role`; a 429 (the matrix calls faster than one user may) is waited out."""
    while True:
        headers = {**await w.headers(role), **call.headers}
        if method == "GET" and call.path.endswith("/ops/stream"):
            async with w.client.stream("GET", call.path, headers=headers) as response:
                pass  # the answer's status and headers; the stream itself never ends
        else:
            response = await w.client.request(
                method,
                call.path,
                json=call.json,
                params=call.params,
                data=call.data,
                files=call.files,
                content=call.content,
                headers=headers,
            )
        if response.status_code != 429:
            return response
        await asyncio.sleep(float(response.headers.get("retry-after", "1")))


@pytest.mark.timeout(900)
async def test_every_route_succeeds_for_every_role_it_admits(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    world = World(anon, platform)
    document = (await anon.get("/openapi.json")).json()
    routes = every_route()
    missing = sorted({f"{m} {p}" for m, p, _ in routes if (m, p) not in CALLS})
    assert missing == [], f"routes the matrix does not know how to call: {missing}"
    failures: list[str] = []
    try:
        await call_every_route(world, document, routes, failures)
    finally:
        await world.retire_officers()
    assert failures == [], "\n".join(failures)


async def call_every_route(
    world: World, document: dict[str, Any], routes: list[tuple[str, str, str]], failures: list[str]
) -> None:
    calls = 0
    for method, path, operation in routes:
        expect = success_status(document, method, path)
        for role in roles_of(operation):
            call = await CALLS[(method, path)](world, role)
            wanted = call.expect or expect
            response = await send(world, method, role, call)
            calls += 1
            if method == "POST" and path == "/api/v1/scores/rebuilds" and response.is_success:
                world._shared.setdefault("rebuilds", []).append(response.json())
                await rebuild_done(world, response.json())
            if method == "POST" and path == "/api/v1/patrol/plans/{day}" and response.is_success:
                world._shared["job"] = response.json()
            if response.status_code != wanted:
                failures.append(
                    f"{role:17} {method} {path}: {response.status_code} "
                    f"(wanted {wanted}) {response.text[:200]}"
                )
    print(f"{calls} calls, {len(routes)} routes")
