"""12345 practice end to end: a hotline order (the hotline's partner key) is verified on site,
dispatched, disposed of and checked; the platform then asks the hotline to call the citizen
back; an unsatisfied call-back sends it back for rework, a satisfied one closes it; the
hotline hears of every step it asked for by webhook."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform, Receiver, demo_credentials
from tests.e2e.support import (
    a_patrol_point,
    act,
    assert_problem,
    confirm_if_verifying,
    dispose_and_pass_check,
    login,
    report_and_wait_dispatched,
)
from tests.helpers import eventually, unique

pytestmark = pytest.mark.e2e


async def test_a_12345_order_closes_by_its_call_back(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform, receiver: Receiver
) -> None:
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    pushed = ["accepted", "dispatched", "visiting", "closed", "not_accepted"]
    hook = await anon.post(
        "/api/v1/webhooks", json={"url": receiver.url, "statuses": pushed}, headers=key
    )
    assert hook.status_code == 201, hook.text
    lat, lon = a_patrol_point("road")
    order = unique("BH")
    reported = await anon.post(
        "/api/v1/cases",
        headers=key,
        json={
            "category": "C0104",
            "lat": lat,
            "lon": lon,
            "description": "Caller: a cover is broken",
            "external_ref": {"system": "12345", "id": order},
        },
    )
    assert reported.status_code == 201, reported.text
    case_id = reported.json()["id"]
    async with httpx.AsyncClient(base_url=anon.base_url, headers=key, timeout=15) as hotline:
        await confirm_if_verifying(hotline, case_id)  # an officer verifies it on site

        async def dispatched() -> dict[str, Any] | None:
            case: dict[str, Any] = (await hotline.get(f"/api/v1/cases/{case_id}")).json()
            return case if case["status"] == "dispatched" else None

        # polled gently: the key's own rate limit must not be what the test measures
        case = await eventually(
            dispatched, timeout=30, interval=0.3, what="the order to be dispatched"
        )
        assert case["source"] == "hotline_12345"

    leader = await login(anon, platform, "shift-leader")
    checked = await dispose_and_pass_check(anon, platform, case, "cover replaced")
    # checked on site: the platform hands it to the hotline for the call-back at once
    assert checked["status"] == "visiting"
    assert checked["actions"] == []  # the officer has nothing more to do
    assert_problem(
        await anon.post(
            f"/api/v1/workflow/cases/{case_id}/actions/close",
            json={"close_type": "normal"},
            headers=leader,
        ),
        409,
        "illegal_transition",
    )

    # the citizen is not satisfied: rework by the same department, a fresh limit
    rework = await act(anon, case_id, "callback_unsatisfied", key, reason="still rattles")
    assert rework["status"] == "dispatched" and rework["reworks"] == 1
    assert rework["department_id"] == "roads-contractor"
    again = await dispose_and_pass_check(anon, platform, case, "cover bedded in mortar")
    assert again["status"] == "visiting"
    closed = await act(anon, case_id, "callback_satisfied", key)
    assert closed["status"] == "closed"

    def statuses() -> list[str]:
        bodies = [json.loads(c["body"]) for c in receiver.calls]
        return [b["change"]["status"] for b in bodies if b["case"]["id"] == case_id]

    async def all_pushed() -> bool:
        return len(statuses()) >= 6

    await eventually(all_pushed, timeout=30, what="every step to reach the hotline")
    # each change once (deliveries run in parallel: their order is the timestamps')
    assert sorted(statuses()) == sorted(
        ["accepted", "dispatched", "visiting", "dispatched", "visiting", "closed"]
    )
    body = json.loads(receiver.calls[0]["body"])
    assert body["case"]["external_ref"] == {"system": "12345", "id": order}
    await anon.delete(f"/api/v1/webhooks/{hook.json()['id']}", headers=key)


async def test_the_hotline_answers_for_its_own_orders_only(
    anon: httpx.AsyncClient, api: httpx.AsyncClient, platform: Platform
) -> None:
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    lat, lon = a_patrol_point("road")
    theirs = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover"}
    )
    await dispose_and_pass_check(anon, platform, theirs, "done")
    assert_problem(
        await anon.post(
            f"/api/v1/workflow/cases/{theirs['id']}/actions/callback_satisfied",
            json={},
            headers=key,
        ),
        404,
        "case_not_found",
    )
