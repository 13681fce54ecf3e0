"""What the e2e tests share: the data set's answers, logins, problem checks."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx
from shapely.geometry import Point, shape

from tests.conftest import REPO
from tests.e2e.conftest import E2E_PORT_OFFSET, IDENTITY_SECRET, Platform, demo_credentials
from tests.helpers import SignedAs, eventually
from zg_common.geo import haversine_m
from zg_common.identity import Identity
from zg_lighting.schedule import Schedule

DATA = REPO / "deploy" / "data" / "fangxing"


@cache
def refdata(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def expected_department(category: str, lat: float, lon: float) -> tuple[str, str]:
    """What the data says should happen, computed independently of the routing service."""
    point = Point(lon, lat)
    grid = next(
        f["properties"]["id"]
        for f in refdata("grids.geojson")["features"]
        if shape(f["geometry"]).covers(point)
    )
    table = refdata("routing_rules.json")
    rules = [r for r in table["rules"] if r["category"] == category]
    # components: the owner (every grid's rule) first; events: the grid's rule first
    owner_first = category.startswith("C")
    for r in sorted(rules, key=lambda r: (r["grid_id"] is None) != owner_first):
        if r["grid_id"] in (grid, None):
            return grid, r["department_id"]
    return grid, table["fallback_department_id"]


# Every report in these tests goes to a place of its own: two reports of one category within the
# category's duplicate radius (at most 100 m in the data set) would be merged into one case.
SPACING_M = 150.0
_used: list[tuple[float, float]] = []


def a_free_point(object_type: str | None = None, *, grid_id: str | None = None) -> dict[str, Any]:
    """A patrol point (GeoJSON feature) of this type (or any) in this grid (or any) not near
    any place handed out before."""
    for feature in refdata("patrol_points.geojson")["features"]:
        properties = feature["properties"]
        if object_type not in (None, properties["object_type"]):
            continue
        if grid_id not in (None, properties["grid_id"]):
            continue
        lon, lat = feature["geometry"]["coordinates"]
        if all(haversine_m(lat, lon, u_lat, u_lon) > SPACING_M for u_lat, u_lon in _used):
            _used.append((lat, lon))
            point: dict[str, Any] = feature
            return point
    raise LookupError(f"no unused patrol point of type {object_type!r} is left")


def roomiest_grid() -> str:
    """The grid with the most patrol points not near a place handed out before (for a test
    that reports several times in one grid)."""
    free: dict[str, int] = {}
    for feature in refdata("patrol_points.geojson")["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        if all(haversine_m(lat, lon, u_lat, u_lon) > SPACING_M for u_lat, u_lon in _used):
            grid = feature["properties"]["grid_id"]
            free[grid] = free.get(grid, 0) + 1
    return max(sorted(free), key=lambda g: free[g])


def a_patrol_point(object_type: str) -> tuple[float, float]:
    """(lat, lon) of a_free_point."""
    lon, lat = a_free_point(object_type)["geometry"]["coordinates"]
    return lat, lon


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def report_and_wait_dispatched(
    api: httpx.AsyncClient, payload: dict[str, Any]
) -> dict[str, Any]:
    created = await api.post("/api/v1/cases", json=payload)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "reported"
    assert created.headers["location"] == f"/api/v1/cases/{body['id']}"

    started = time.monotonic()
    await confirm_if_verifying(api, body["id"])

    async def dispatched() -> dict[str, Any] | None:
        case = await read_case(api, body["id"])
        return case if case is not None and case["status"] == "dispatched" else None

    case = await eventually(dispatched, timeout=30, interval=0.2, what="the case to be dispatched")
    print(f"dispatched {time.monotonic() - started:.3f}s after the 201")  # shown with -s
    return case


ROUTING = f"http://127.0.0.1:{8002 + E2E_PORT_OFFSET}"


def officer_of(grid_id: str) -> SignedAs:
    """An officer whose grids include this one (the demo officer patrols G01 only), calling
    routing directly."""
    who = Identity(sub=f"e2e-officer-{grid_id}", role="officer", grid_ids=(grid_id,))
    return SignedAs(who, IDENTITY_SECRET, "routing")


async def read_case(reader: httpx.AsyncClient, case_id: str) -> dict[str, Any] | None:
    """The case as the reader sees it now; None for anything but a 200 (a poll that ran into
    the gateway's rate limit is a 429 problem, whose `status` is no case status)."""
    response = await reader.get(f"/api/v1/cases/{case_id}")
    if response.status_code != 200:
        return None
    case: dict[str, Any] = response.json()
    return case


async def confirm_if_verifying(reader: httpx.AsyncClient, case_id: str) -> None:
    """A report from the public waits for an officer to verify it on site: be that officer
    (straight to routing, as the gateway would forward the officer's app). Routing decides,
    not intake's read model (which lags behind it): the confirmation is tried until routing
    takes it, or says the case is past verification."""

    async def placed() -> dict[str, Any] | None:
        return await read_case(reader, case_id)

    grid = (await eventually(placed, timeout=30, interval=0.2, what="the case"))["grid_id"]
    seen: list[str] = []

    async def confirmed() -> bool:
        async with httpx.AsyncClient(base_url=ROUTING, timeout=15) as routing:
            response = await routing.post(
                f"/api/v1/workflow/cases/{case_id}/actions/confirm",
                json={},
                auth=officer_of(grid),
            )
        if response.status_code == 200:
            return True
        seen.append(f"{response.status_code} {response.text[:200]}")
        if response.status_code == 409:  # "a case that is X cannot be confirm"
            detail = response.json()["detail"]
            return not detail.startswith(("A case that is reported ", "A case that is verifying "))
        assert response.status_code == 404, response.text  # routing has not taken it on yet
        return False

    try:
        await eventually(confirmed, timeout=30, interval=0.2, what="routing to take the case on")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; routing answered {seen[-3:]}") from exc


def as_role(role: str, service: str) -> SignedAs:
    """A caller of this role calling the service directly, as the gateway would forward it."""
    who = Identity.model_validate({"sub": f"e2e-{role}", "role": role})
    return SignedAs(who, IDENTITY_SECRET, service)


# Access tokens by username, reused for five minutes (they live ten): the gateway allows ten
# logins a minute per username, which the e2e run would otherwise exceed.
_tokens: dict[str, tuple[float, str]] = {}
TOKEN_REUSE_S = 300.0


async def login(client: httpx.AsyncClient, platform: Platform, username: str) -> dict[str, str]:
    """Bearer headers of a demo account (one per role, see demo-credentials.json)."""
    cached = _tokens.get(username)
    if cached is None or time.monotonic() - cached[0] > TOKEN_REUSE_S:
        accounts = demo_credentials(platform)["accounts"]
        passwords = {a["username"]: a["password"] for a in accounts}
        response = await client.post(
            "/api/v1/auth/login", json={"username": username, "password": passwords[username]}
        )
        assert response.status_code == 200, response.text
        cached = _tokens[username] = (time.monotonic(), response.json()["access_token"])
    return {"Authorization": f"Bearer {cached[1]}"}


async def act(
    client: httpx.AsyncClient,
    case_id: str,
    action: str,
    caller: dict[str, str] | httpx.Auth,
    **body: Any,
) -> dict[str, Any]:
    """A lifecycle action that must succeed; the case's queue item after it. `caller`: the
    headers of a caller of the gateway, or a direct caller's signature (`SignedAs`)."""
    path = f"/api/v1/workflow/cases/{case_id}/actions/{action}"
    if isinstance(caller, httpx.Auth):
        response = await client.post(path, json=body, auth=caller)
    else:
        response = await client.post(path, json=body, headers=caller)
    assert response.status_code == 200, f"{action}: {response.text}"
    item: dict[str, Any] = response.json()
    return item


async def dispose_and_pass_check(
    anon: httpx.AsyncClient, platform: Platform, case: dict[str, Any], result: str
) -> dict[str, Any]:
    """A roads-contractor case disposed of, checked on site by an officer of its grid (straight
    to routing, as the gateway would forward the officer's app) and found fixed."""
    staff = await login(anon, platform, "roads-staff")
    operator = await login(anon, platform, "intake")
    await act(anon, case["id"], "dispose", staff, result=result)
    await act(anon, case["id"], "request_check", operator)
    async with httpx.AsyncClient(base_url=ROUTING, timeout=15) as routing:
        return await act(routing, case["id"], "pass_check", officer_of(case["grid_id"]))


def healthy_state() -> str:
    """What a healthy street light does now by the data set's schedule: on, dimmed or off."""
    return Schedule(refdata("lights.json")).desired(datetime.now(UTC))
