"""The live map's stream through the gateway: single-use tickets, the events a viewer may see,
and a reconnect that resumes where it stopped."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.e2e.support import a_patrol_point, assert_problem, login, report_and_wait_dispatched
from tests.sse import Message, of_case, open_stream

pytestmark = pytest.mark.e2e

STREAM = "/api/v1/ops/stream"
TICKETS = "/api/v1/ops/stream-tickets"


async def ticket_of(anon: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await anon.post(TICKETS, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["stream_url"] == f"{STREAM}?ticket={body['ticket']}"
    ticket: str = body["ticket"]
    return ticket


def is_ready(message: Message) -> bool:
    return message.event == "ready"


async def test_a_stream_ticket_opens_one_stream_once_and_only_for_whom_may_watch(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    assert_problem(await anon.post(TICKETS), 401, "authentication_required")
    assert_problem(await api.post(TICKETS), 403, "operation_forbidden")  # a resident
    assert_problem(await anon.get(STREAM), 401, "authentication_required")
    assert_problem(await api.get(STREAM), 403, "operation_forbidden")

    dispatcher = await login(anon, platform, "dispatcher")
    ticket = await ticket_of(anon, dispatcher)
    async with open_stream(anon, f"{STREAM}?ticket={ticket}") as stream:
        ready = await stream.until(is_ready, timeout=10, what="the ready event")
        assert ready.data["role"] == "dispatcher" and ready.data["resumed"] is False
        assert ready.id
        # spent: the same ticket opens nothing more, even while its stream is open
        assert_problem(await anon.get(STREAM, params={"ticket": ticket}), 401, "ticket_used")
    assert_problem(await anon.get(STREAM, params={"ticket": ticket}), 401, "ticket_used")

    head, _, signature = (await ticket_of(anon, dispatcher)).rpartition(".")
    forged = f"{head}.{signature[::-1]}"
    assert_problem(await anon.get(STREAM, params={"ticket": forged}), 401, "ticket_invalid")
    access_token = dispatcher["Authorization"].removeprefix("Bearer ")
    assert_problem(await anon.get(STREAM, params={"ticket": access_token}), 401, "ticket_invalid")


async def test_a_reported_case_reaches_the_centre_and_only_its_department(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    dispatcher = await login(anon, platform, "dispatcher")
    roads = await login(anon, platform, "roads-staff")
    async with (
        open_stream(anon, STREAM, headers=dispatcher) as centre,
        open_stream(anon, f"{STREAM}?ticket={await ticket_of(anon, roads)}") as department,
    ):
        await centre.until(is_ready, timeout=10, what="the centre's ready event")
        await department.until(is_ready, timeout=10, what="the department's ready event")
        lat, lon = a_patrol_point("road")
        cover = {"category": "C0104", "lat": lat, "lon": lon, "description": "Cover broken"}
        lat, lon = a_patrol_point("road")
        parking = {"category": "E0403", "lat": lat, "lon": lon, "description": "Car on the path"}
        started = time.monotonic()
        ours, theirs = await asyncio.gather(
            report_and_wait_dispatched(api, cover), report_and_wait_dispatched(api, parking)
        )
        assert ours["department"] == "roads-contractor"
        assert theirs["department"] == "traffic-police"

        for case in (ours, theirs):
            seen = await centre.until(
                of_case(case["id"], "intake.case.reported.v1"), timeout=10, what="the report"
            )
            assert seen.data["data"]["grid_id"] == case["grid_id"]
            await centre.until(
                of_case(case["id"], "routing.case.dispatched.v1"), timeout=10, what="dispatch"
            )
        got = await department.until(
            of_case(ours["id"], "routing.case.dispatched.v1"), timeout=10, what="its dispatch"
        )
        print(f"the department saw its case {time.monotonic() - started:.2f}s after the POSTs")
        assert got.data["data"]["department_id"] == "roads-contractor"
        later = await department.collect(seconds=2)
        for message in later:
            data = message.data["data"]
            assert "roads-contractor" in (data.get("department_id"), data.get("from_department_id"))
            assert data.get("case_id") != theirs["id"]


async def test_a_reconnect_with_last_event_id_misses_nothing(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    leader = await login(anon, platform, "shift-leader")
    async with open_stream(anon, STREAM, headers=leader) as stream:
        ready = await stream.until(is_ready, timeout=10, what="the ready event")
    assert ready.id is not None

    # while nobody watches, a case is reported
    lat, lon = a_patrol_point("road")
    created = await api.post(
        "/api/v1/cases", json={"category": "C0104", "lat": lat, "lon": lon, "description": "Gap"}
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]

    # the header a browser sends when it reconnects by itself
    async with open_stream(anon, STREAM, headers=leader | {"Last-Event-ID": ready.id}) as again:
        resumed = await again.until(is_ready, timeout=10, what="the ready event")
        assert resumed.data["resumed"] is True
        report = await again.until(
            of_case(case_id, "intake.case.reported.v1"), timeout=10, what="the missed report"
        )
    # a page that opens a new EventSource (a new ticket) sends the id as a parameter
    ticket = await ticket_of(anon, leader)
    async with open_stream(
        anon, STREAM, headers={}, params={"ticket": ticket, "last_event_id": ready.id}
    ) as third:
        await third.until(of_case(case_id), timeout=10, what="the missed report again")
    # from the report's own id on, it is not sent again
    async with open_stream(anon, STREAM, headers=leader | {"Last-Event-ID": report.id or ""}) as s:
        await s.until(is_ready, timeout=10, what="the ready event")
        repeats = [
            m
            for m in await s.collect(seconds=1.5)
            if of_case(case_id, "intake.case.reported.v1")(m)
        ]
        assert repeats == []


async def test_a_position_that_cannot_be_resumed_says_reset(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    leader = await login(anon, platform, "shift-leader")
    for stale in ("nonsense", "00000000-1.2.3", "x" * 40):
        async with open_stream(anon, STREAM, headers=leader | {"Last-Event-ID": stale}) as s:
            first = await s.until(lambda m: m.event in ("reset", "ready"), timeout=10, what="start")
            assert first.event == "reset", stale
            ready = await s.until(is_ready, timeout=10, what="the ready event")
            assert ready.data["resumed"] is False


async def test_the_case_layer_shows_each_viewer_the_open_cases_of_its_work(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    lat, lon = a_patrol_point("road")
    ours = await report_and_wait_dispatched(
        api, {"category": "C0104", "lat": lat, "lon": lon, "description": "Lid missing"}
    )
    lat, lon = a_patrol_point("road")
    theirs = await report_and_wait_dispatched(
        api, {"category": "E0403", "lat": lat, "lon": lon, "description": "Van on the kerb"}
    )
    roads = await login(anon, platform, "roads-staff")
    centre = await login(anon, platform, "dispatcher")

    response = await anon.get("/api/v1/workflow/map", headers=roads)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    layer = response.json()
    assert layer["type"] == "FeatureCollection" and layer["truncated"] is False
    by_id = {f["id"]: f for f in layer["features"]}
    assert ours["id"] in by_id and theirs["id"] not in by_id
    assert {f["properties"]["department_id"] for f in layer["features"]} == {"roads-contractor"}
    feature = by_id[ours["id"]]
    assert feature["geometry"]["coordinates"] == [ours["lon"], ours["lat"]]
    assert feature["properties"]["light"] == "green"
    assert feature["properties"]["status"] == "dispatched"

    everything = (await anon.get("/api/v1/workflow/map", headers=centre)).json()
    assert {ours["id"], theirs["id"]} <= {f["id"] for f in everything["features"]}
    assert_problem(await api.get("/api/v1/workflow/map"), 403, "operation_forbidden")

    item = await anon.get(f"/api/v1/workflow/cases/{ours['id']}", headers=roads)
    assert item.status_code == 200, item.text
    assert "dispose" in item.json()["actions"]
    hidden = await anon.get(f"/api/v1/workflow/cases/{theirs['id']}", headers=roads)
    assert_problem(hidden, 404, "case_not_found")


async def test_a_stream_outlives_the_gateway_s_request_deadline(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    """The platform's requests end after ZG_GATEWAY_UPSTREAM_TIMEOUT_S (10 s here); a stream
    does not: it still delivers after that."""
    leader = await login(anon, platform, "shift-leader")
    async with open_stream(anon, STREAM, headers=leader) as stream:
        await stream.until(is_ready, timeout=10, what="the ready event")
        await asyncio.sleep(11)
        lat, lon = a_patrol_point("road")
        created = await api.post(
            "/api/v1/cases",
            json={"category": "C0104", "lat": lat, "lon": lon, "description": "Late"},
        )
        assert created.status_code == 201, created.text
        await stream.until(of_case(created.json()["id"]), timeout=10, what="the late report")
