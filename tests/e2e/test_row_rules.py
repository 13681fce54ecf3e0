"""Row rules hold everywhere (one `Scope`, zg_common.authz): an officer of another grid, an
officer with no grids, another department's staff and another department's key each try to
read and act on a case, its photo, its place on the map and the officers' tasks and tracks of
its grid — and see and change nothing — while those the rules give the case see it (so that
each refusal is the rule's, not a broken fixture's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests import media_samples as samples
from tests.e2e.conftest import Platform
from tests.e2e.support import a_free_point, assert_problem, login, report_and_wait_dispatched
from tests.e2e.test_media import upload
from tests.helpers import unique

pytestmark = pytest.mark.e2e

HEFEI = timedelta(hours=8)


async def an_account(
    anon: httpx.AsyncClient, admin: dict[str, str], **fields: Any
) -> dict[str, str]:
    password = unique("pw") + "-long-enough"
    username = unique("intruder")
    made = await anon.post(
        "/api/v1/admin/accounts",
        headers=admin,
        json={"username": username, "password": password, **fields},
    )
    assert made.status_code == 201, made.text
    token = await anon.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def a_key(anon: httpx.AsyncClient, admin: dict[str, str], department: str) -> dict[str, str]:
    made = await anon.post(
        "/api/v1/admin/api-keys",
        headers=admin,
        json={
            "name": f"{department} system {unique('k')}",
            "department_ids": [department],
            "operations": ["cases.read", "media.read", "workflow.act"],
        },
    )
    assert made.status_code == 201, made.text
    return {"X-API-Key": made.json()["key"]}


async def sees(client: httpx.AsyncClient, who: dict[str, str], case: dict[str, Any]) -> set[str]:
    """Where the caller finds the case: each read that shows it."""
    found = set()
    one = await client.get(f"/api/v1/cases/{case['id']}", headers=who)
    if one.status_code == 200:
        found.add("case")
    else:
        assert_problem(one, 404, "case_not_found")
    listed = await client.get("/api/v1/cases", params={"number": case["number"]}, headers=who)
    if listed.status_code == 200 and listed.json()["items"]:
        found.add("list")
    counted = await client.get(
        "/api/v1/cases/stats", params={"number": case["number"]}, headers=who
    )
    if counted.status_code == 200 and counted.json()["total"]:
        found.add("stats")
    photo = await client.get(case["media"][0]["url"], headers=who)
    if photo.status_code == 200:
        found.add("photo")
    else:
        assert photo.status_code in (403, 404), photo.text
    work = await client.get(f"/api/v1/workflow/cases/{case['id']}", headers=who)
    if work.status_code == 200:
        found.add("workflow")
    else:
        assert work.status_code in (403, 404), work.text
    mapped = await client.get("/api/v1/workflow/map", headers=who)
    if mapped.status_code == 200 and case["id"] in {f["id"] for f in mapped.json()["features"]}:
        found.add("map")
    return found


async def test_each_caller_sees_and_changes_only_what_its_rules_give_it(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform
) -> None:
    photo = await upload(api, samples.jpeg((320, 240)))
    assert photo.status_code == 201, photo.text
    place = a_free_point(grid_id="G01")  # ZG001 patrols G01
    lon, lat = place["geometry"]["coordinates"]
    case = await report_and_wait_dispatched(
        api,
        {
            "category": "C0104",
            "lat": lat,
            "lon": lon,
            "description": "Cover broken, see the photo",
            "media": [photo.json()["id"]],
        },
    )
    assert (case["grid_id"], case["department"]) == ("G01", "roads-contractor")

    admin = await login(anon, platform, "admin")
    intruders = {
        "officer of another grid": await an_account(
            anon, admin, role="officer", grid_ids=["G02"], badge="ZG901"
        ),
        "officer with no grids": await an_account(anon, admin, role="officer", badge="ZG902"),
        "another department's staff": await an_account(
            anon, admin, role="department_staff", department_ids=["traffic-police"]
        ),
        "another department's key": await a_key(anon, admin, "traffic-police"),
        "a resident who did not report it": await an_account(anon, admin, role="resident"),
    }
    allowed = {
        "the case's officer": await login(anon, platform, "ZG001"),
        "the case's department": await login(anon, platform, "roads-staff"),
        "the case's department's key": await a_key(anon, admin, "roads-contractor"),
    }
    for name, who in allowed.items():
        assert {"case", "list", "stats", "photo"} <= await sees(anon, who, case), name
    for name, who in intruders.items():
        assert await sees(anon, who, case) == set(), name

    # acting: the case's department would dispose of it; nobody else may, and nothing changes
    for name, who in intruders.items():
        for action in ("dispose", "request_extension", "confirm"):
            acted = await anon.post(
                f"/api/v1/workflow/cases/{case['id']}/actions/{action}",
                json={"reason": "not mine", "result": "not mine", "hours": 4},
                headers=who,
            )
            assert acted.status_code in (403, 404), (name, action, acted.text)
    after = (await api.get(f"/api/v1/cases/{case['id']}")).json()
    assert after["status"] == "dispatched" and after["history"] == case["history"]

    # the officers of the case's grid: their tasks and tracks
    today = (datetime.now(UTC) + HEFEI).date().isoformat()
    for name in ("officer of another grid", "officer with no grids"):
        who = intruders[name]
        tasks = await anon.get(f"/api/v1/patrol/plans/{today}/officers/ZG001", headers=who)
        assert tasks.status_code in (403, 404), (name, tasks.text)
        track = await anon.get(
            "/api/v1/patrol/officers/ZG001/track", params={"day": today}, headers=who
        )
        assert track.status_code in (403, 404), (name, track.text)
        live = await anon.get("/api/v1/patrol/positions", headers=who)
        assert live.status_code == 200, live.text
        assert all(f["properties"]["grid_id"] != "G01" for f in live.json()["features"]), name
    own_tasks = await anon.get(
        f"/api/v1/patrol/plans/{today}/officers/ZG001", headers=allowed["the case's officer"]
    )
    assert own_tasks.status_code in (200, 404), own_tasks.text  # 404: no plan of today yet
    if own_tasks.status_code == 404:
        assert own_tasks.json()["code"] != "operation_forbidden"
