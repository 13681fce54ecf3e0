"""The lifecycle as routing drives it so far: cases accepted, filed and dispatched by the rules
(each step logged), their clocks in the department's calendar, and work queues."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests import media_samples as samples
from tests.e2e.conftest import IDENTITY_SECRET, Platform
from tests.e2e.support import (
    a_patrol_point,
    assert_problem,
    login,
    officer_of,
    refdata,
    report_and_wait_dispatched,
)
from tests.helpers import SignedAs, eventually
from zg_common.identity import Identity
from zg_routing.calendar import load_calendars

pytestmark = pytest.mark.e2e


async def in_queue(
    anon: httpx.AsyncClient, caller: dict[str, str] | httpx.Auth, case_id: str
) -> dict[str, Any] | None:
    params = {"limit": 500}
    if isinstance(caller, httpx.Auth):
        response = await anon.get("/api/v1/workflow/queue", params=params, auth=caller)
    else:
        response = await anon.get("/api/v1/workflow/queue", params=params, headers=caller)
    assert response.status_code == 200, response.text
    return next((i for i in response.json()["items"] if i["case_id"] == case_id), None)


async def test_a_department_sees_its_dispatched_cases_with_deadline_light_and_actions(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
    )
    staff = await login(anon, platform, "roads-staff")
    item = await in_queue(anon, staff, case["id"])
    assert item is not None
    assert item["status"] == "dispatched" and item["department_id"] == "roads-contractor"
    assert datetime.fromisoformat(item["due_at"]) == datetime.fromisoformat(case["due_at"])
    assert item["limit_minutes"] == 2 * 7 * 60, "two working days of 7 hours"
    assert item["light"] == "green" and 0 <= item["used_minutes"] <= 1
    assert item["actions"] == ["request_extension", "request_return", "request_hang", "dispose"]

    leader = await login(anon, platform, "shift-leader")
    led = await in_queue(anon, leader, case["id"])
    assert led is not None and led["actions"] == ["cancel"]
    greening = Identity(
        sub="e2e-greening", role="department_staff", department_ids=("greening-contractor",)
    )
    async with httpx.AsyncClient(base_url=platform.services["routing"], timeout=15) as direct:
        signed = SignedAs(greening, IDENTITY_SECRET, "routing")
        assert await in_queue(direct, signed, case["id"]) is None, "not their department"
    assert_problem(await api.get("/api/v1/workflow/queue"), 403, "operation_forbidden")


async def test_a_self_handled_report_waits_for_the_operators_review(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    officer = await login(anon, platform, "ZG001")
    photos = []
    for purpose in ("before", "after"):
        uploaded = await anon.post(
            "/api/v1/media",
            files={"file": ("p.jpg", samples.jpeg(), "image/jpeg")},
            data={"purpose": purpose},
            headers=officer,
        )
        photos.append(uploaded.json()["id"])
    lat, lon = a_patrol_point("market")
    fixed = await anon.post(
        "/api/v1/cases",
        json={
            "category": "E0401",
            "lat": lat,
            "lon": lon,
            "description": "Moved the stall on",
            "resolved_on_site": True,
            "media": photos,
        },
        headers=officer,
    )
    assert fixed.status_code == 201
    operator = await login(anon, platform, "intake")

    async def queued() -> dict[str, Any] | None:
        return await in_queue(anon, operator, fixed.json()["id"])

    item = await eventually(queued, what="the self-handled report in the operator's queue")
    assert item["status"] == "self_handled" and item["due_at"] is None
    assert item["stage"] is None, "no stage clock of the centre runs while it waits for review"
    assert item["actions"] == ["approve_self_handled", "reject_self_handled"]


async def test_the_closed_loop_through_the_api_to_a_rating(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
    )
    path = f"/api/v1/workflow/cases/{case['id']}/actions"
    staff = await login(anon, platform, "roads-staff")
    operator = await login(anon, platform, "intake")
    leader = await login(anon, platform, "shift-leader")
    dispatcher = await login(anon, platform, "dispatcher")

    # a guard names the state; a missing parameter is named; a role that may not is refused
    body = assert_problem(
        await anon.post(f"{path}/close", json={"close_type": "normal"}, headers=leader),
        409,
        "illegal_transition",
    )
    assert "dispatched" in body["detail"]
    missing = assert_problem(
        await anon.post(f"{path}/request_extension", json={"reason": "rain"}, headers=staff),
        422,
        "validation_failed",
    )
    assert missing["errors"][0]["field"] == "hours"
    assert_problem(
        await anon.post(f"{path}/dispose", json={"result": "x"}, headers=dispatcher),
        403,
        "action_forbidden",
    )

    # more time: the deadline moves by eight working hours of the office calendar
    asked = await anon.post(
        f"{path}/request_extension", json={"reason": "parts", "hours": 8}, headers=staff
    )
    assert asked.status_code == 200 and asked.json()["status"] == "extension_pending"
    granted = await anon.post(f"{path}/approve_extension", json={}, headers=dispatcher)
    assert granted.status_code == 200, granted.text
    assert granted.json()["extensions"] == 1
    calendars = load_calendars(refdata("calendars.json"))
    before, after = (datetime.fromisoformat(x) for x in (case["due_at"], granted.json()["due_at"]))
    assert calendars["office"].between(before, after) == timedelta(hours=8)

    done = await anon.post(f"{path}/dispose", json={"result": "cover replaced"}, headers=staff)
    assert done.json()["status"] == "disposed"
    await anon.post(f"{path}/request_check", json={}, headers=operator)
    direct = platform.services["routing"]
    async with httpx.AsyncClient(base_url=direct, timeout=15) as routing:
        checked = await routing.post(
            f"{path}/pass_check", json={}, auth=officer_of(case["grid_id"])
        )
    assert checked.status_code == 200, checked.text
    closed = await anon.post(f"{path}/close", json={"close_type": "normal"}, headers=leader)
    assert closed.json()["status"] == "closed" and closed.json()["actions"] == []

    async def closed_in_intake() -> dict[str, Any] | None:
        current: dict[str, Any] = (await api.get(f"/api/v1/cases/{case['id']}")).json()
        return current if current["status"] == "closed" else None

    final = await eventually(closed_in_intake, what="intake to follow the closure")
    steps = [h["status"] for h in final["history"]]
    assert steps[-6:] == [
        "extension_pending",
        "dispatched",
        "disposed",
        "checking",
        "checked",
        "closed",
    ]
    assert "cover replaced" in final["history"][-4]["note"]
    rated = await api.post(f"/api/v1/cases/{case['id']}/rating", json={"score": 5})
    assert rated.status_code == 201, rated.text


async def test_hang_stops_the_clock_and_a_return_goes_back_to_the_dispatcher(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    case = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover"}
    )
    path = f"/api/v1/workflow/cases/{case['id']}/actions"
    staff = await login(anon, platform, "roads-staff")
    dispatcher = await login(anon, platform, "dispatcher")
    await anon.post(f"{path}/request_hang", json={"reason": "winter"}, headers=staff)
    hung = await anon.post(f"{path}/approve_hang", json={}, headers=dispatcher)
    assert hung.json()["status"] == "hung" and hung.json()["light"] is not None
    resumed = await anon.post(f"{path}/resume", json={}, headers=dispatcher)
    assert resumed.json()["status"] == "dispatched"
    assert resumed.json()["used_minutes"] <= 1

    await anon.post(f"{path}/request_return", json={"reason": "a gas cover"}, headers=staff)
    returned = await anon.post(f"{path}/approve_return", json={}, headers=dispatcher)
    assert returned.json()["status"] == "filed" and returned.json()["returns"] == 1
    assert returned.json()["department_id"] is None
    assert_problem(
        await anon.post(f"{path}/dispose", json={"result": "x"}, headers=staff),
        404,
        "case_not_found",
    )
    again = await anon.post(
        f"{path}/dispatch", json={"department_id": "police-station"}, headers=dispatcher
    )
    assert again.status_code == 200, again.text
    assert again.json()["department_id"] == "police-station"
    # the police station works 24x7: its clock, its deadline
    due = datetime.fromisoformat(again.json()["due_at"])
    assert timedelta(0) < due - datetime.now(due.tzinfo) <= timedelta(days=2, minutes=1)
    unknown = assert_problem(
        await anon.post(f"{path}/dispatch", json={"department_id": "x"}, headers=dispatcher),
        409,
        "illegal_transition",
    )
    assert "dispatched" in unknown["detail"]
