"""Duplicate merging through the gateway: a second report of the same problem joins the open
case and its reporter follows it; an operator splits a wrong merge off again."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests import media_samples as samples
from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import a_patrol_point, assert_problem, login, report_and_wait_dispatched
from tests.e2e.test_media import upload
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

NORTH_1M = 1 / 111_320  # a metre of latitude, in degrees


CENTRE_LAT = 31.80  # the district's middle: offsets point inwards, never out of the district


def near(lat: float, lon: float, metres: float) -> dict[str, float]:
    """A place `metres` north or south of (lat, lon), towards the district's middle."""
    inwards = 1 if lat < CENTRE_LAT else -1
    return {"lat": lat + inwards * metres * NORTH_1M, "lon": lon}


async def test_a_second_report_joins_the_open_case_and_its_reporter_follows_it(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    photo = await upload(api, samples.jpeg((320, 240)))
    assert photo.status_code == 201, photo.text
    lat, lon = a_patrol_point("road")
    first = await report_and_wait_dispatched(
        api,
        {
            "category": "E0104",
            "lat": lat,
            "lon": lon,
            "description": "Mud across the road outside no. 12",
            "media": [photo.json()["id"]],
        },
    )
    hotline = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    assert_problem(
        await anon.get(f"/api/v1/cases/{first['id']}", headers=hotline), 404, "case_not_found"
    )

    # the category and the place are public (Open311): a duplicate is easy to file
    second = await anon.post(
        "/api/v1/cases",
        json={"category": "E0104", **near(lat, lon, 30), "description": "Caller: muddy road"},
        headers=hotline,
    )
    assert second.status_code == 201, second.text
    joined = second.json()
    assert joined["status"] == "merged"
    assert joined["merged_into"] == {
        "id": first["id"],
        "number": first["number"],
        "status": "dispatched",
    }
    own = (await anon.get(f"/api/v1/cases/{joined['id']}", headers=hotline)).json()
    assert own["merged_into"] == first["id"] and own["status"] == "merged"
    following = own["following"]
    assert set(following) == {"id", "number", "status", "text", "history"}
    assert (following["number"], following["status"]) == (first["number"], "dispatched")
    assert following["text"].startswith("已派遣")
    steps = [h["status"] for h in following["history"]]
    assert steps[0] == "reported" and steps[-1] == "dispatched", steps
    assert all(a != b for a, b in pairwise(steps)), "one entry per step"
    assert all(set(h) == {"status", "at", "text"} for h in following["history"]), "no notes"

    # following is not reading: not the case, its photos, its place in lists, its rating
    assert_problem(
        await anon.get(f"/api/v1/cases/{first['id']}", headers=hotline), 404, "case_not_found"
    )
    assert_problem(await anon.get(photo.json()["url"], headers=hotline), 404, "media_not_found")
    listed = await anon.get("/api/v1/cases", params={"number": first["number"]}, headers=hotline)
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert_problem(
        await anon.post(f"/api/v1/cases/{first['id']}/rating", json={"score": 1}, headers=hotline),
        404,
        "case_not_found",
    )
    # those whose row rules give them the case still see it whole
    mine = (await api.get(f"/api/v1/cases/{first['id']}")).json()
    assert mine["report_count"] == 2
    assert "joined" in mine["history"][-1]["note"]

    # another category at the same place, and the same category beyond its radius (50 m, and
    # 60 m from the second report): separate problems
    other = await api.post(
        "/api/v1/cases",
        json={"category": "E0402", **near(lat, lon, 10), "description": "Stall"},
    )
    far = await api.post(
        "/api/v1/cases",
        json={"category": "E0104", **near(lat, lon, 95), "description": "More mud"},
    )
    assert other.status_code == far.status_code == 201, (other.text, far.text)
    assert other.json()["status"] == far.json()["status"] == "reported"


async def test_an_operator_splits_a_wrong_merge(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    first = await report_and_wait_dispatched(
        api, {"category": "E0104", "lat": lat, "lon": lon, "description": "Mud"}
    )
    hotline = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    joined = (
        await anon.post(
            "/api/v1/cases",
            json={"category": "E0104", **near(lat, lon, 40), "description": "Oil, not mud"},
            headers=hotline,
        )
    ).json()
    assert joined["status"] == "merged"

    assert_problem(
        await api.post(f"/api/v1/cases/{joined['id']}/split", json={"reason": "oil"}),
        403,
        "operation_forbidden",
    )
    dispatcher = await login(anon, platform, "dispatcher")
    split = await anon.post(
        f"/api/v1/cases/{joined['id']}/split",
        json={"reason": "an oil spill, not the mud"},
        headers=dispatcher,
    )
    assert split.status_code == 200, split.text
    assert split.json()["status"] == "reported"
    body = assert_problem(
        await anon.post(
            f"/api/v1/cases/{joined['id']}/split", json={"reason": "again"}, headers=dispatcher
        ),
        409,
        "case_state_conflict",
    )
    assert "reported" in body["detail"] or "dispatched" in body["detail"]

    async def dispatched() -> dict[str, Any] | None:
        case: dict[str, Any] = (
            await anon.get(f"/api/v1/cases/{joined['id']}", headers=hotline)
        ).json()
        return case if case["status"] == "dispatched" else None

    now_own = await eventually(dispatched, what="the split report to be routed")
    assert now_own["merged_into"] is None
    assert [h["status"] for h in now_own["history"]] == [
        "reported",
        "merged",
        "reported",
        "accepted",
        "filed",
        "dispatched",
    ]
    assert "split from" in now_own["history"][2]["note"]
    parent = (await anon.get(f"/api/v1/cases/{first['id']}", headers=dispatcher)).json()
    assert parent["report_count"] == 1
    assert_problem(
        await anon.get(f"/api/v1/cases/{first['id']}", headers=hotline), 404, "case_not_found"
    )


async def test_simultaneous_reports_of_one_problem_open_one_case(api: httpx.AsyncClient) -> None:
    lat, lon = a_patrol_point("road")
    responses = await asyncio.gather(
        *(
            api.post(
                "/api/v1/cases",
                json={"category": "E0104", **near(lat, lon, i), "description": f"mud {i}"},
            )
            for i in range(6)
        )
    )
    assert {r.status_code for r in responses} == {201}
    statuses = sorted(r.json()["status"] for r in responses)
    assert statuses == ["merged"] * 5 + ["reported"]
    opened = next(r.json()["id"] for r in responses if r.json()["status"] == "reported")
    assert {r.json()["merged_into"]["id"] for r in responses if r.json()["merged_into"]} == {opened}
