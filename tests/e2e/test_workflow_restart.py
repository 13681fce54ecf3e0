"""Routing killed while clocks run (SIGKILL: no goodbye), started again by the supervisor:
deadlines, paused clocks and the deadline watch's announcements survive, none is lost or
doubled, and a case reported while routing was down is dispatched exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.e2e.support import a_patrol_point, login, report_and_wait_dispatched
from tests.helpers import eventually
from zg_common.db import to_asyncpg_dsn

pytestmark = pytest.mark.e2e

ANNOUNCED = (
    "SELECT count(*) FROM routing.outbox WHERE key = $1 AND event_type = $2"
)  # fmt: skip
APPROACHED = "routing.case.deadline_approached.v1"
OVERDUE = "routing.case.overdue.v1"


async def cover(api: httpx.AsyncClient) -> dict[str, Any]:
    lat, lon = a_patrol_point("road")
    return await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
    )


async def test_a_killed_routing_comes_back_with_every_clock(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform, e2e_database: str
) -> None:
    staff = await login(anon, platform, "roads-staff")
    dispatcher = await login(anon, platform, "dispatcher")
    operator = await login(anon, platform, "intake")  # its reports need no verification
    running, paused = await cover(api), await cover(api)
    actions = f"/api/v1/workflow/cases/{paused['id']}/actions"
    await anon.post(f"{actions}/request_hang", json={"reason": "parts"}, headers=staff)
    hung = await anon.post(f"{actions}/approve_hang", json={}, headers=dispatcher)
    assert hung.json()["status"] == "hung"

    async def queue() -> dict[str, dict[str, Any]]:
        got = await anon.get("/api/v1/workflow/queue", params={"limit": 500}, headers=staff)
        assert got.status_code == 200, got.text
        return {i["case_id"]: i for i in got.json()["items"]}

    db = await asyncpg.connect(to_asyncpg_dsn(e2e_database))
    try:
        # the clock reaches 80 % (as if hours went by): the watch announces it before the crash
        await db.execute(
            "UPDATE routing.case_state SET warn_at = now() - interval '1 minute' "
            "WHERE case_id = $1",
            running["id"],
        )

        async def warned() -> bool:
            return bool(await db.fetchval(ANNOUNCED, running["id"], APPROACHED))

        await eventually(warned, what="the 80 % announcement")
        # ... and its deadline passes just as routing dies
        await db.execute(
            "UPDATE routing.case_state SET due_at = now() - interval '1 second' WHERE case_id = $1",
            running["id"],
        )
        before = await queue()
        os.kill(platform.pids["routing"], signal.SIGKILL)

        # intake takes reports while routing is down; routing catches up from the broker
        lat, lon = a_patrol_point("road")
        meanwhile = await anon.post(
            "/api/v1/cases",
            json={"category": "C0104", "lat": lat, "lon": lon, "description": "Cover gone"},
            headers=operator,
        )
        assert meanwhile.status_code == 201, meanwhile.text

        async def back() -> bool:
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    ready = await client.get(platform.services["routing"] + "/readyz")
                    return ready.status_code == 200
            except httpx.TransportError:
                return False

        await eventually(back, timeout=90, interval=0.5, what="the supervisor to restart routing")

        async def dispatched_once() -> bool:
            count = await db.fetchval(
                "SELECT count(*) FROM routing.case_transition WHERE case_id = $1 "
                "AND action = 'dispatch'",
                meanwhile.json()["id"],
            )
            return bool(count)

        await eventually(dispatched_once, timeout=30, what="the case reported meanwhile")

        async def overdue_announced() -> bool:
            return bool(await db.fetchval(ANNOUNCED, running["id"], OVERDUE))

        await eventually(overdue_announced, timeout=30, what="the overdue announcement")
        await asyncio.sleep(2.0)  # four more rounds of the watch: nothing is announced again
        assert await db.fetchval(ANNOUNCED, running["id"], APPROACHED) == 1
        assert await db.fetchval(ANNOUNCED, running["id"], OVERDUE) == 1
        assert (
            await db.fetchval(
                "SELECT count(*) FROM routing.case_transition WHERE case_id = $1",
                meanwhile.json()["id"],
            )
            == 3  # accepted, filed, dispatched: once each
        )
    finally:
        await db.close()

    after = await queue()
    for case in (running, paused):
        was, now = before[case["id"]], after[case["id"]]
        assert now["due_at"] == was["due_at"] and now["status"] == was["status"]
        assert now["limit_minutes"] == was["limit_minutes"]
    assert after[paused["id"]]["used_minutes"] == before[paused["id"]]["used_minutes"]
    # the paused clock resumes with what it had left
    resumed = await anon.post(f"{actions}/resume", json={}, headers=dispatcher)
    assert resumed.status_code == 200, resumed.text
    left = resumed.json()["limit_minutes"] - resumed.json()["used_minutes"]
    assert left >= resumed.json()["limit_minutes"] - 2
    assert datetime.fromisoformat(resumed.json()["due_at"]) >= datetime.fromisoformat(
        before[paused["id"]]["due_at"]
    )
