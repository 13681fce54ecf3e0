"""The case list for the app and the operators: filters, text search, cursor paging, GeoJSON,
and the row rules applied by the database."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import a_patrol_point, assert_problem, login, report_and_wait_dispatched
from tests.helpers import unique

pytestmark = pytest.mark.e2e


async def report(client: httpx.AsyncClient, description: str, **extra: Any) -> dict[str, Any]:
    lat, lon = a_patrol_point("road")
    response = await client.post(
        "/api/v1/cases",
        json={"category": "E0104", "lat": lat, "lon": lon, "description": description, **extra},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_search_and_page_through_ones_reports(api: httpx.AsyncClient) -> None:
    token = unique("mud")
    made = [(await report(api, f"{token} number {i}"))["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": token, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await api.get("/api/v1/cases", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made)), "newest first, each once"
    assert pages == 3


async def test_filters_narrow_the_list(api: httpx.AsyncClient) -> None:
    token = unique("filter")
    urgent = await report(api, f"{token} urgent", urgency="urgent")
    await report(api, f"{token} normal")
    listed = (await api.get("/api/v1/cases", params={"q": token, "urgency": "urgent"})).json()
    assert [c["id"] for c in listed["items"]] == [urgent["id"]]
    none = await api.get("/api/v1/cases", params={"q": token, "category": "C0101,C0102"})
    assert none.json() == {"items": [], "next_cursor": None}
    both = await api.get(
        "/api/v1/cases", params={"q": token, "source": "resident_app", "category": "E0104"}
    )
    assert len(both.json()["items"]) == 2
    later = await api.get(
        "/api/v1/cases", params={"q": token, "reported_from": "2999-01-01T00:00:00+08:00"}
    )
    assert later.json()["items"] == []
    percent = await report(api, f"{token} fixed 100%")
    only = await api.get("/api/v1/cases", params={"q": "100%"})
    assert percent["id"] in {c["id"] for c in only.json()["items"]}
    assert all("100%" in c["description"] for c in only.json()["items"]), "% is no wildcard"


async def test_the_list_keeps_the_row_rules(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    roads_case = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": unique("cover")}
    )
    assert roads_case["department"] == "roads-contractor"
    staff = await login(anon, platform, "roads-staff")
    theirs = (await anon.get("/api/v1/cases", params={"limit": 500}, headers=staff)).json()
    assert roads_case["id"] in {c["id"] for c in theirs["items"]}
    assert {c["department"] for c in theirs["items"]} == {"roads-contractor"}

    officer = await login(anon, platform, "ZG001")
    async with httpx.AsyncClient(base_url=anon.base_url, headers=officer, timeout=15) as client:
        officer_case = await report(client, "x")
    mine = (await api.get("/api/v1/cases", params={"limit": 500})).json()["items"]
    assert officer_case["id"] not in {c["id"] for c in mine}, "a resident sees only their own"
    assert roads_case["id"] in {c["id"] for c in mine}

    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    hotline = (await anon.get("/api/v1/cases", params={"limit": 500}, headers=key)).json()
    assert roads_case["id"] not in {c["id"] for c in hotline["items"]}
    assert_problem(await anon.get("/api/v1/cases"), 401, "authentication_required")


async def test_geojson_for_the_map(api: httpx.AsyncClient) -> None:
    token = unique("map")
    made = await report(api, token)
    response = await api.get("/api/v1/cases", params={"q": token, "format": "geojson"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and collection["next_cursor"] is None
    (feature,) = collection["features"]
    assert feature["id"] == made["id"] and feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert (lat, lon) == (feature["properties"]["lat"], feature["properties"]["lon"])


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"cursor": "not-a-cursor"}, "cursor", "invalid_cursor"),
        ({"cursor": "c2VxOmFiYw"}, "cursor", "invalid_cursor"),  # "seq:abc"
        ({"reported_from": "2026-11-27T00:00:00"}, "reported_from", "timezone_required"),
        (
            {"reported_from": "2026-11-28T00:00:00Z", "reported_to": "2026-11-27T00:00:00Z"},
            "reported_to",
            "empty_range",
        ),
        ({"limit": "1000"}, "limit", "less_than_equal"),
        ({"status": "a;drop"}, "status", "string_pattern_mismatch"),
        ({"colour": "red"}, "colour", "extra_forbidden"),
    ],
)
async def test_bad_list_parameters_are_named(
    api: httpx.AsyncClient, params: dict[str, str], field: str, code: str
) -> None:
    body = assert_problem(await api.get("/api/v1/cases", params=params), 422, "validation_failed")
    assert [(e["field"].split(".")[-1], e["code"]) for e in body["errors"]] == [(field, code)]


async def test_text_the_database_cannot_store_is_a_clear_422(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    """Found by schemathesis: a NUL character reached PostgreSQL and answered 500."""
    lat, lon = a_patrol_point("road")
    body = {"category": "E0104", "lat": lat, "lon": lon, "description": "mud\u0000here"}
    assert_problem(await api.post("/api/v1/cases", json=body), 422, "invalid_characters")
    assert_problem(
        await api.get("/api/v1/cases", params={"q": "a\u0000b"}), 422, "invalid_characters"
    )
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    hook = {"url": "https://partner.example/hook", "statuses": ["\u0000"]}
    assert_problem(
        await anon.post("/api/v1/webhooks", json=hook, headers=key), 422, "invalid_characters"
    )
    open311 = await anon.get("/open311/v2/requests/FX%00.json")
    assert open311.status_code == 400 and open311.json()[0]["code"] == 400


async def every_page(client: httpx.AsyncClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await client.get("/api/v1/cases", params=params | {"limit": 500, "cursor": cursor})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_case_counts_are_the_list_s_counted_by_status_category_source_grid_department(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    token = unique("counted")
    mine = [await report(api, f"{token} {i}") for i in range(3)]
    leader = await login(anon, platform, "shift-leader")
    for who in (api, anon):
        headers = {} if who is api else leader
        params = {"q": token}
        response = await who.get("/api/v1/cases/stats", params=params, headers=headers)
        assert response.status_code == 200, response.text
        stats = response.json()
        assert stats["total"] == len(mine)
        assert stats["by_category"] == {"E0104": 3}
        assert stats["by_source"] == {"resident_app": 3}
        assert sum(stats["by_grid"].values()) == 3 and sum(stats["by_status"].values()) == 3

    # the whole day, as the live map's KPI strip asks it: the same as the list, page by page
    params = {"reported_from": "2000-01-01T00:00:00+08:00"}
    async with httpx.AsyncClient(base_url=anon.base_url, headers=leader, timeout=30) as centre:
        listed = await every_page(centre, params)
    stats = (await anon.get("/api/v1/cases/stats", params=params, headers=leader)).json()
    assert stats["total"] == len(listed)
    by_source: dict[str, int] = {}
    for item in listed:
        by_source[item["source"]] = by_source.get(item["source"], 0) + 1
    assert stats["by_source"] == by_source
    assert sum(stats["by_department"].values()) == len(listed)

    # the resident counts their own reports only; a bad moment is a clear error
    own = (await api.get("/api/v1/cases/stats", params=params)).json()
    assert own["total"] == len(await every_page(api, params))
    naive = await api.get("/api/v1/cases/stats", params={"reported_from": "2026-11-30T00:00:00"})
    assert_problem(naive, 422, "validation_failed")
