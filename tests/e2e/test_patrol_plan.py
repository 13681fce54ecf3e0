"""The day's patrol plan through the gateway: made by the command centre, every required visit
given to an officer on shift in walking order or named with why it cannot be, each officer's
tasks readable by the officers of the grid and published as events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import E2E_PORT_OFFSET, Platform
from tests.e2e.support import ROUTING, a_free_point, as_role, assert_problem, login, officer_of
from tests.helpers import eventually
from zg_common.db import to_asyncpg_dsn

pytestmark = pytest.mark.e2e

LOCAL = timezone(timedelta(hours=8))


async def test_a_day_plan_routes_every_officer_and_names_what_it_cannot(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform, e2e_database: str
) -> None:
    tomorrow = (datetime.now(UTC).astimezone(LOCAL) + timedelta(days=1)).date()
    path = f"/api/v1/patrol/plans/{tomorrow.isoformat()}"
    officer = await login(anon, platform, "ZG001")
    assert_problem(await anon.post(path, headers=officer), 403, "operation_forbidden")
    assert_problem(await api.get(path), 403, "operation_forbidden")
    leader = await login(anon, platform, "shift-leader")
    too_far = (tomorrow + timedelta(days=30)).isoformat()
    refused = assert_problem(
        await anon.post(f"/api/v1/patrol/plans/{too_far}", headers=leader), 422, "validation_failed"
    )
    assert refused["errors"][0]["code"] == "out_of_range"

    # a long job: answered at once, made by a worker, read at its Location until it ends
    asked = await anon.post(path, headers=leader)
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["status"] == "queued" and job["kind"] == "patrol.plan"
    location = asked.headers["location"]
    assert location == f"/api/v1/patrol/jobs/{job['id']}"
    assert_problem(await anon.get(location, headers=officer), 403, "operation_forbidden")

    async def finished() -> dict[str, Any] | None:
        read = (await anon.get(location, headers=leader)).json()
        return read if read["status"] in ("done", "failed") else None

    job = await eventually(finished, timeout=180, interval=0.5, what="the plan's job")
    assert job["status"] == "done", job
    assert job["result"]["plan"] == path
    plan = (await anon.get(path, headers=leader)).json()
    assert plan["version"] == job["result"]["version"]
    assert plan["visits"] > 6000, "every point's visits of the day"
    assert plan["planned"] >= 0.97 * plan["visits"]
    assert plan["planned"] + sum(plan["unplanned_by_reason"].values()) == plan["visits"]
    assert {v["reason"] for v in plan["unplanned"]} <= {
        "not_reachable_in_window",
        "no_officer_on_shift",
    }
    again = (await anon.get(path, headers=officer)).json()
    assert again["version"] == plan["version"]

    tasks = await anon.get(f"{path}/officers/ZG001", headers=officer)
    assert tasks.status_code == 200, tasks.text
    mine = tasks.json()["tasks"]
    assert mine, "the demo officer has visits"
    assert [t["seq"] for t in mine] == list(range(1, len(mine) + 1))
    for t in mine:
        assert t["window_start"] <= t["eta"] <= t["window_end"], t
        assert t["work_focus"] and t["standard"] and t["status"] == "planned"
    etas = [datetime.fromisoformat(t["eta"]) for t in mine]
    assert etas == sorted(etas), "in walking order"
    drawn = await anon.get(f"{path}/officers/ZG001/route", headers=officer)
    assert drawn.status_code == 200 and drawn.headers["content-type"] == "application/geo+json"
    walks = [f for f in drawn.json()["features"] if f["properties"]["feature"] == "walk"]
    stops = [f for f in drawn.json()["features"] if f["properties"]["feature"] == "visit"]
    assert len(stops) == len(mine) and walks and walks[0]["geometry"]["type"] == "LineString"
    assert sum(len(w["geometry"]["coordinates"]) - 2 for w in walks) == len(mine)
    # an officer of another grid is not theirs to read
    assert_problem(
        await anon.get(f"{path}/officers/ZG008", headers=officer), 404, "officer_not_found"
    )
    colleague = await anon.get(f"{path}/officers/ZG002", headers=officer)
    assert colleague.status_code == 200 and colleague.json()["grid_id"] == "G01"

    # ZG002 will not come: the day shift of G01 is planned again for the others
    dropped = await anon.post(
        f"{path}/officers/ZG002/drop-out", json={"reason": "on leave"}, headers=leader
    )
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["moved"] >= len(colleague.json()["tasks"]) > 0
    left = (await anon.get(f"{path}/officers/ZG002", headers=officer)).json()["tasks"]
    assert left == [], "nothing is left to the officer who dropped out"

    db = await asyncpg.connect(to_asyncpg_dsn(e2e_database))
    try:
        published = await db.fetchval(
            "SELECT count(*) FROM patrol.outbox WHERE event_type = "
            "'patrol.plan.officer_tasks.v1' AND key LIKE $1",
            f"{tomorrow.isoformat()}/%",
        )
    finally:
        await db.close()
    assert published >= 100, "each officer on shift gets their tasks"


async def test_an_officer_checks_in_with_a_genuine_code_where_the_point_is(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    leader = await login(anon, platform, "shift-leader")
    officer = await login(anon, platform, "ZG001")
    code = await anon.get("/api/v1/patrol/points/P0001/code", headers=leader)
    assert code.status_code == 200, code.text
    token = code.json()["token"]
    assert_problem(
        await anon.get("/api/v1/patrol/points/P0001/code", headers=officer),
        403,
        "operation_forbidden",
    )
    card = await anon.get(f"/api/v1/patrol/points/by-code/{token}")  # a resident's scan
    assert card.status_code == 200 and card.json()["id"] == "P0001" and card.json()["standard"]
    forged = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    bad = assert_problem(
        await anon.get(f"/api/v1/patrol/points/by-code/{forged}"), 422, "point_code_refused"
    )
    assert bad["errors"][0]["code"] == "bad_signature"

    point = card.json()
    points = (await anon.get("/api/v1/patrol-points", params={"grid_id": "G01"})).json()
    lon, lat = next(f for f in points["features"] if f["id"] == "P0001")["geometry"]["coordinates"]
    since = datetime.now(UTC).isoformat()
    scan = {"token": token, "lat": lat, "lon": lon, "accuracy_m": 6}
    assert_problem(await api.post("/api/v1/patrol/checkins", json=scan), 403, "operation_forbidden")
    far = assert_problem(
        await anon.post(
            "/api/v1/patrol/checkins", json={**scan, "lat": lat + 0.002}, headers=officer
        ),
        422,
        "checkin_refused",
    )
    assert far["errors"][0]["code"] == "too_far"
    forged_scan = {**scan, "token": forged}
    refused = await anon.post("/api/v1/patrol/checkins", json=forged_scan, headers=officer)
    assert_problem(refused, 422, "checkin_refused")
    done = await anon.post("/api/v1/patrol/checkins", json=scan, headers=officer)
    assert done.status_code == 201, done.text
    assert done.json()["outcome"] in ("on_time", "early", "late", "unplanned")
    assert done.json()["point"]["work_focus"] == point["work_focus"]
    counted = await anon.get(
        "/api/v1/patrol/checkins/refusals", params={"since": since}, headers=leader
    )
    assert counted.json()["too_far"] >= 1 and counted.json()["bad_signature"] >= 1


PATROL = f"http://127.0.0.1:{8003 + E2E_PORT_OFFSET}"


async def test_a_verification_task_goes_into_an_officers_route_and_is_settled_by_the_answer(
    api: httpx.AsyncClient,
) -> None:
    point = a_free_point()
    lon, lat = point["geometry"]["coordinates"]
    grid = point["properties"]["grid_id"]
    created = await api.post(
        "/api/v1/cases",
        json={"category": "E0104", "lat": lat, "lon": lon, "description": "Mud on the pavement"},
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]

    async def verifying() -> bool:
        return bool((await api.get(f"/api/v1/cases/{case_id}")).json()["status"] == "verifying")

    await eventually(verifying, timeout=30, what="routing to ask for verification")

    leader = as_role("shift_leader", "patrol")
    today = datetime.now(UTC).astimezone(LOCAL).date()
    async with httpx.AsyncClient(base_url=PATROL, timeout=15, auth=leader) as patrol:
        crew = [o["badge"] for o in (await patrol.get(f"/api/v1/officers?grid_id={grid}")).json()]

        async def the_task() -> dict[str, Any] | None:
            for day in (today, today - timedelta(days=1)):  # the night shift began yesterday
                for badge in crew:
                    plan = await patrol.get(f"/api/v1/patrol/plans/{day}/officers/{badge}")
                    for task in plan.json()["tasks"] if plan.status_code == 200 else []:
                        if task["case_id"] == case_id:
                            return {**task, "badge": badge, "day": day}
            return None

        task = await eventually(
            the_task, timeout=30, interval=0.5, what="the task in an officer's route"
        )
        assert (task["kind"], task["point_id"], task["status"]) == ("verify", None, "planned")
        assert task["lat"] == pytest.approx(lat) and task["lon"] == pytest.approx(lon)
        assert task["work_focus"].startswith("核实") and task["eta"] is not None

        async with httpx.AsyncClient(base_url=ROUTING, timeout=15) as routing:
            confirmed = await routing.post(
                f"/api/v1/workflow/cases/{case_id}/actions/confirm",
                json={},
                auth=officer_of(grid),
            )
        assert confirmed.status_code == 200, confirmed.text

        async def settled() -> bool:
            plan = await patrol.get(f"/api/v1/patrol/plans/{task['day']}/officers/{task['badge']}")
            mine = [t for t in plan.json()["tasks"] if t["visit_id"] == task["visit_id"]]
            return bool(mine and mine[0]["status"] == "done")

        await eventually(settled, timeout=30, interval=0.3, what="the answer to settle the task")


async def test_an_officers_positions_reach_the_live_map_and_the_track(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    officer = await login(anon, platform, "ZG001")
    leader = await login(anon, platform, "shift-leader")
    now = datetime.now(UTC)
    fixes = [
        {"at": (now - timedelta(seconds=s)).isoformat(), "lat": 31.8 + s / 1e5, "lon": 117.29,
         "accuracy_m": 7}
        for s in (90, 60, 30)
    ]  # fmt: skip
    reported = await anon.post("/api/v1/patrol/positions", json={"fixes": fixes}, headers=officer)
    assert reported.status_code == 201, reported.text
    assert reported.json()["badge"] == "ZG001" and reported.json()["lat"] == pytest.approx(31.8003)
    assert_problem(
        await api.post("/api/v1/patrol/positions", json={"fixes": fixes}),
        403,
        "operation_forbidden",
    )
    future = [{**fixes[0], "at": (now + timedelta(hours=1)).isoformat()}]
    refused = assert_problem(
        await anon.post("/api/v1/patrol/positions", json={"fixes": future}, headers=officer),
        422,
        "validation_failed",
    )
    assert refused["errors"][0]["code"] == "in_future"

    live = await anon.get("/api/v1/patrol/positions", headers=leader)
    assert live.status_code == 200 and live.headers["content-type"] == "application/geo+json"
    mine = next(f for f in live.json()["features"] if f["id"] == "ZG001")
    assert mine["geometry"]["coordinates"] == pytest.approx([117.29, 31.8003])
    assert mine["properties"]["grid_id"] == "G01" and not mine["properties"]["stale"]
    assert_problem(await api.get("/api/v1/patrol/positions"), 403, "operation_forbidden")
    other = await anon.get("/api/v1/patrol/positions?grid_id=G05", headers=officer)
    assert other.json()["features"] == [], "an officer sees the officers of their own grids"

    day = now.astimezone(LOCAL).date().isoformat()
    track = await anon.get(f"/api/v1/patrol/officers/ZG001/track?day={day}", headers=leader)
    assert track.status_code == 200, track.text
    assert track.json()["geometry"]["type"] == "LineString"
    assert track.json()["properties"]["fixes"] >= 3


async def test_a_resident_who_scans_a_code_rates_the_point_once_a_day(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    leader = await login(anon, platform, "shift-leader")
    officer = await login(anon, platform, "ZG001")
    point = a_free_point()["properties"]["id"]  # its place is this test's to report at
    token = (await anon.get(f"/api/v1/patrol/points/{point}/code", headers=leader)).json()["token"]
    card = (await api.get(f"/api/v1/patrol/points/by-code/{token}")).json()
    assert card["id"] == point and {"lat", "lon"} <= set(card), "the place to report from"
    before = (await anon.get(f"/api/v1/patrol/points/{point}/ratings")).json()

    path = f"/api/v1/patrol/points/by-code/{token}/ratings"
    first = await api.post(path, json={"score": 2, "comment": "litter by the bins"})
    assert first.status_code == 201, first.text
    assert (first.json()["score"], first.json()["replaced"]) == (2, False)
    second = await api.post(path, json={"score": 4})
    assert (second.json()["score"], second.json()["replaced"]) == (4, True)
    after = (await anon.get(f"/api/v1/patrol/points/{point}/ratings")).json()
    assert after["count"] == before["count"] + 1, "one rating a day per resident"
    assert after["by_score"]["4"] == before["by_score"]["4"] + 1

    assert_problem(await anon.post(path, json={"score": 4}, headers=officer), 403,
                   "operation_forbidden")  # fmt: skip
    assert_problem(await api.post(path, json={"score": 9}), 422, "validation_failed")
    forged = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    assert_problem(
        await api.post(f"/api/v1/patrol/points/by-code/{forged}/ratings", json={"score": 3}),
        422,
        "point_code_refused",
    )
    # a problem seen there goes to intake with the card's place
    reported = await api.post(
        "/api/v1/cases",
        json={"category": "E0104", "lat": card["lat"], "lon": card["lon"],
              "description": "Seen after scanning the point's code"},
    )  # fmt: skip
    assert reported.status_code == 201, reported.text


async def test_printable_qr_sheets_of_a_grid_and_a_route(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    leader = await login(anon, platform, "shift-leader")
    officer = await login(anon, platform, "ZG001")
    whole = await anon.get("/api/v1/patrol/qr-sheets?grid_id=G01", headers=leader, timeout=60)
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"] == "application/pdf" and whole.content[:4] == b"%PDF"
    pages = int(whole.headers["x-page-count"])
    points = (await anon.get("/api/v1/patrol-points", params={"grid_id": "G01"})).json()
    assert pages == -(-len(points["features"]) // 6), "six cards a page"
    one = await anon.get("/api/v1/patrol/qr-sheets?grid_id=G01&format=png&page=2", headers=leader)
    assert one.headers["content-type"] == "image/png" and one.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'filename="qr-G01-2.png"' in one.headers["content-disposition"]
    route = await anon.get("/api/v1/patrol/qr-sheets?route_id=R01", headers=leader, timeout=60)
    assert route.status_code == 200 and route.content[:4] == b"%PDF"

    for query, code in (
        ("", "validation_failed"),
        ("grid_id=G01&route_id=R01", "validation_failed"),
        (f"grid_id=G01&format=png&page={pages + 1}", "validation_failed"),
        ("grid_id=G01&format=svg", "validation_failed"),
    ):
        assert_problem(await anon.get(f"/api/v1/patrol/qr-sheets?{query}", headers=leader), 422,
                       code)  # fmt: skip
    assert_problem(
        await anon.get("/api/v1/patrol/qr-sheets?grid_id=G99", headers=leader), 404,
        "grid_not_found",
    )  # fmt: skip
    assert_problem(
        await anon.get("/api/v1/patrol/qr-sheets?grid_id=G01", headers=officer), 403,
        "operation_forbidden",
    )  # fmt: skip


async def test_a_manager_edits_the_territory_through_the_gateway(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    manager = await login(anon, platform, "manager")
    leader = await login(anon, platform, "shift-leader")
    point = a_free_point(grid_id="G12")
    lon, lat = point["geometry"]["coordinates"]
    body = {"grid_id": "G12", "object_type": "market", "name": "早市", "address": "某路1号",
            "lat": lat, "lon": lon, "reason": "a new morning market"}  # fmt: skip
    assert_problem(await anon.post("/api/v1/patrol-points", json=body, headers=leader), 403,
                   "operation_forbidden")  # fmt: skip
    created = await anon.post("/api/v1/patrol-points", json=body, headers=manager)
    assert created.status_code == 201, created.text
    new = created.json()
    assert new["properties"]["code"].startswith("FX-G12-") and new["properties"]["standard"]
    wrong = assert_problem(
        await anon.post("/api/v1/patrol-points", json={**body, "grid_id": "G01"}, headers=manager),
        422,
        "validation_failed",
    )
    assert wrong["errors"][0]["code"] == "outside_grid"
    renamed = await anon.patch(
        f"/api/v1/patrol-points/{new['id']}", json={"name": "早市（北）", "reason": "two markets"},
        headers=manager,
    )  # fmt: skip
    assert renamed.status_code == 200 and renamed.json()["properties"]["name"] == "早市（北）"
    log = await anon.get(
        "/api/v1/patrol/territory-changes", params={"subject": f"point/{new['id']}"},
        headers=leader,
    )  # fmt: skip
    assert [c["change"] for c in log.json()] == ["created", "updated"]
    retired = await anon.post(
        f"/api/v1/patrol-points/{new['id']}/retire", json={"reason": "market moved"},
        headers=manager,
    )  # fmt: skip
    assert retired.status_code == 200
    points = (await anon.get("/api/v1/patrol-points", params={"grid_id": "G12"})).json()
    assert new["id"] not in {f["id"] for f in points["features"]}

    tomorrow = (datetime.now(UTC).astimezone(LOCAL) + timedelta(days=1)).date().isoformat()
    leave = await anon.post(
        "/api/v1/officers/ZG100/absences", json={"day": tomorrow, "reason": "annual leave"},
        headers=manager,
    )  # fmt: skip
    assert leave.status_code == 201, leave.text
    listed = await anon.get("/api/v1/officers/ZG100/absences", headers=leader)
    assert leave.json()["id"] in {a["id"] for a in listed.json()}
    called_off = await anon.delete(
        f"/api/v1/officers/ZG100/absences/{leave.json()['id']}", headers=manager
    )
    assert called_off.status_code == 204
    assert_problem(
        await anon.patch("/api/v1/officers/ZG100", json={"shift": "noon", "reason": "x"},
                         headers=manager),
        422, "validation_failed",
    )  # fmt: skip
