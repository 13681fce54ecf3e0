"""The lifecycle as routing drives it so far: cases accepted, filed and dispatched by the rules
(each step logged), their clocks in the department's calendar, and work queues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests import media_samples as samples
from tests.e2e.conftest import IDENTITY_SECRET, Platform
from tests.e2e.support import a_patrol_point, assert_problem, login, report_and_wait_dispatched
from tests.helpers import eventually
from zg_common.identity import Identity, sign_identity

pytestmark = pytest.mark.e2e


async def in_queue(
    anon: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> dict[str, Any] | None:
    response = await anon.get("/api/v1/workflow/queue", params={"limit": 500}, headers=headers)
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
        headers = {"x-zg-identity": sign_identity(greening, IDENTITY_SECRET)}
        assert await in_queue(direct, headers, case["id"]) is None, "not their department"
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
    assert item["actions"] == ["approve_self_handled", "reject_self_handled"]
