"""Scoring live: cases driven through the real lifecycle show up in today's officer and
department scores within 2 s of the step, through the gateway, and each caller sees what their
role may."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.conftest import Platform
from tests.e2e.support import (
    a_free_point,
    act,
    assert_problem,
    login,
)
from tests.helpers import eventually

LIVE_S = 2.0  # the bound: an event is in the scores within 2 s


def today() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


async def test_a_case_counts_in_today_s_officer_and_department_scores_within_2_s(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    officer = await login(anon, platform, "ZG001")
    staff = await login(anon, platform, "roads-staff")
    manager = await login(anon, platform, "manager")
    place = a_free_point(grid_id="G01")  # any type: the category decides the department
    lon, lat = place["geometry"]["coordinates"]
    created = await anon.post(
        "/api/v1/cases",
        json={"category": "C0104", "lat": lat, "lon": lon, "description": "Cover, scored"},
        headers=officer,
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]

    async def dispatched() -> dict[str, Any] | None:
        r = await anon.get(f"/api/v1/cases/{case_id}", headers=manager)
        case: dict[str, Any] | None = r.json() if r.status_code == 200 else None
        return case if case is not None and case["status"] == "dispatched" else None

    case = await eventually(dispatched, timeout=30, interval=0.1, what="the dispatch")
    assert case["department"] == "roads-contractor"
    period = {"period": today()}

    # the officer's report was filed: +1 for ZG001, in the officer's own view
    async def earned() -> list[dict[str, Any]] | None:
        r = await anon.get("/api/v1/scores/officers/ZG001/events", params=period, headers=officer)
        assert r.status_code == 200, r.text
        mine = [e for e in r.json()["entries"] if e["case_id"] == case_id]
        return mine or None

    started = time.monotonic()
    entries = await eventually(earned, timeout=LIVE_S, interval=0.1, what="ZG001's point")
    print(f"the filing in ZG001's points {time.monotonic() - started:.3f}s after the dispatch")
    assert [(e["rule"], e["points"]) for e in entries] == [("report_filed", 1.0)]
    own = await anon.get("/api/v1/scores/officers", params=period, headers=officer)
    lines = own.json()["officers"]
    assert {x["grid_id"] for x in lines} == {"G01"}, "an officer sees their grid's officers"
    assert any(x["badge"] == "ZG001" and x["entries"].get("report_filed") for x in lines)

    # the department disposes of it: handled today, within 2 s of the step
    await act(anon, case_id, "dispose", staff, result="Cover replaced")
    stepped = time.monotonic()

    async def handled() -> dict[str, Any] | None:
        r = await anon.get(
            "/api/v1/scores/departments/roads-contractor/cases", params=period, headers=staff
        )
        assert r.status_code == 200, r.text
        return next((c for c in r.json()["cases"] if c["case_id"] == case_id), None)

    line = await eventually(handled, timeout=LIVE_S, interval=0.1, what="the disposal")
    print(f"the disposal in the department's numbers {time.monotonic() - stepped:.3f}s after")
    assert line["counts_in"][:2] == ["handled", "handled_on_time"]

    # department staff see their own line (with its rank); the manager sees every department
    theirs = (await anon.get("/api/v1/scores/departments", params=period, headers=staff)).json()
    assert [d["department_id"] for d in theirs["departments"]] == ["roads-contractor"]
    assert theirs["departments"][0]["handled"] >= 1 and theirs["departments"][0]["rank"] >= 1
    everyone = await anon.get("/api/v1/scores/departments", params=period, headers=manager)
    assert len(everyone.json()["departments"]) > 1
    # an officer sees no department's scores, a department no other's drill-down
    assert_problem(
        await anon.get("/api/v1/scores/departments", headers=officer), 403, "operation_forbidden"
    )
    other = await anon.get("/api/v1/scores/departments/traffic-police/cases", headers=staff)
    assert_problem(other, 404, "department_not_found")
    assert_problem(
        await anon.get("/api/v1/scores/officers/ZG002/events", headers=officer),
        404,
        "officer_not_found",
    )
    bad = await anon.get("/api/v1/scores/grids", params={"period": "2026-13"}, headers=manager)
    assert_problem(bad, 422, "validation_failed")


async def test_a_rebuild_replays_the_log_into_the_same_numbers(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    admin = await login(anon, platform, "admin")
    manager = await login(anon, platform, "manager")
    period = {"period": today()}

    async def numbers() -> Any:
        # the departments' (patrol's missed visits keep coming in real time: officers' points
        # may move while the rebuild runs)
        departments = await anon.get("/api/v1/scores/departments", params=period, headers=manager)
        return departments.json()["departments"]

    before = await numbers()
    assert_problem(
        await anon.post("/api/v1/scores/rebuilds", json={}, headers=admin), 422, "validation_failed"
    )
    asked = await anon.post(
        "/api/v1/scores/rebuilds", json={"reason": "e2e: the same numbers"}, headers=admin
    )
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["state"] == "queued" and job["requested_by"]
    again = await anon.post("/api/v1/scores/rebuilds", json={"reason": "twice"}, headers=admin)
    assert_problem(again, 409, "rebuild_in_progress")

    async def done() -> dict[str, Any] | None:
        r = await anon.get(f"/api/v1/scores/rebuilds/{job['id']}", headers=admin)
        state: dict[str, Any] = r.json()
        assert state["state"] != "failed", state
        return state if state["state"] == "done" else None

    finished = await eventually(done, timeout=60, interval=0.5, what="the rebuild")
    assert finished["events"] > 0
    assert await numbers() == before
