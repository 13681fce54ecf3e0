"""Street lights through the gateway: a dead circuit reported by the lighting platform becomes
one case (not one per pole) in the device channel, dispatched by the rules; once the roads
contractor has disposed of it and the lights report healthy, the system passes its check and
closes it — also when the lights were healthy before the disposal. A single pole's fault is a
case of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import act, healthy_state, login, refdata
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def platform_key(platform: Platform) -> dict[str, str]:
    keys = demo_credentials(platform)["api_keys"]
    return {"X-API-Key": next(k["key"] for k in keys if k["name"].startswith("street-lighting"))}


def lights_of(circuit_id: str) -> list[dict[str, Any]]:
    return [x for x in refdata("lights.json")["lights"] if x["circuit_id"] == circuit_id]


async def report(
    client: httpx.AsyncClient, key: dict[str, str], lights: list[dict[str, Any]], **state: Any
) -> None:
    now = datetime.now(UTC).isoformat()
    body = {"reports": [{"light_id": x["id"], "at": now, **state} for x in lights]}
    response = await client.post("/api/v1/lighting/reports", json=body, headers=key)
    assert response.status_code == 200, response.text
    assert response.json() == {"taken": len(lights), "refused": []}


async def cases_about(
    client: httpx.AsyncClient, dispatcher: dict[str, str], text: str
) -> list[dict[str, Any]] | None:
    found = await client.get(
        "/api/v1/cases",
        params={"category": "C0109", "source": "device", "q": text},
        headers=dispatcher,
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items or None


async def status_of(client: httpx.AsyncClient, dispatcher: dict[str, str], case_id: str) -> str:
    response = await client.get(f"/api/v1/cases/{case_id}", headers=dispatcher)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def dispatched_case(
    anon: httpx.AsyncClient, dispatcher: dict[str, str], text: str
) -> dict[str, Any]:
    cases = await eventually(
        lambda: cases_about(anon, dispatcher, text), timeout=30, what=f"the case of {text}"
    )
    assert len(cases) == 1, f"one case for {text}: {cases}"

    async def dispatched() -> bool:
        return await status_of(anon, dispatcher, cases[0]["id"]) == "dispatched"

    await eventually(dispatched, timeout=30, what="the rules to dispatch it")
    case = (await anon.get(f"/api/v1/cases/{cases[0]['id']}", headers=dispatcher)).json()
    assert case["department"] == "roads-contractor" and case["source"] == "device"
    return dict(case)


async def closed_by_the_system(
    anon: httpx.AsyncClient, dispatcher: dict[str, str], case_id: str
) -> None:
    async def closed() -> bool:
        return await status_of(anon, dispatcher, case_id) == "closed"

    await eventually(closed, timeout=30, what="the system to check and close the case")
    case = (await anon.get(f"/api/v1/cases/{case_id}", headers=dispatcher)).json()
    steps = [(h["status"], h["note"]) for h in case["history"]]
    statuses = [status for status, _ in steps]
    assert statuses[-3:] == ["checking", "checked", "closed"], steps
    assert all("reports healthy" in note for _, note in steps[-3:]), steps


async def test_a_dead_circuit_is_one_case_checked_and_closed_when_it_reports_healthy(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    dispatcher = await login(anon, platform, "dispatcher")
    staff = await login(anon, platform, "roads-staff")
    key = platform_key(platform)
    circuit = lights_of("LC-10")
    assert len(circuit) >= 10
    await report(anon, key, circuit, state="off", power_w=0, fault="no_power")
    case = await dispatched_case(anon, dispatcher, "LC-10")
    assert case["attributes"] == {"fault": "off"}
    assert str(len(circuit)) in case["description"], "the case says how many lights are out"
    faults = await anon.get("/api/v1/lighting/faults", params={"open": "true"}, headers=staff)
    assert [f["scope"] for f in faults.json()["faults"] if f["circuit_id"] == "LC-10"] == [
        "circuit"
    ]
    item = await act(anon, case["id"], "dispose", staff, result="breaker replaced in the cabinet")
    assert item["status"] == "disposed", "the lights are not healthy yet: no check"
    await report(anon, key, circuit, state=healthy_state(), power_w=0)
    await closed_by_the_system(anon, dispatcher, case["id"])


async def test_lights_healthy_before_the_disposal_close_their_case_at_the_disposal(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    dispatcher = await login(anon, platform, "dispatcher")
    staff = await login(anon, platform, "roads-staff")
    key = platform_key(platform)
    circuit = lights_of("LC-12")
    await report(anon, key, circuit, state="off", power_w=0, fault="cable_fault")
    case = await dispatched_case(anon, dispatcher, "LC-12")
    await report(anon, key, circuit, state=healthy_state(), power_w=0)

    async def cleared() -> bool:
        faults = await anon.get("/api/v1/lighting/faults", headers=staff)
        return any(
            f["circuit_id"] == "LC-12" and f["cleared_at"] is not None
            for f in faults.json()["faults"]
        )

    await eventually(cleared, timeout=30, what="the fault to clear")
    assert await status_of(anon, dispatcher, case["id"]) == "dispatched", "waits for the fix"
    await act(anon, case["id"], "dispose", staff, result="cable joint remade")
    await closed_by_the_system(anon, dispatcher, case["id"])


async def test_one_pole_is_a_case_of_its_own(anon: httpx.AsyncClient, platform: Platform) -> None:
    dispatcher = await login(anon, platform, "dispatcher")
    key = platform_key(platform)
    pole = lights_of("LC-14")[3]
    await report(anon, key, [pole], state="on", power_w=40, fault="flicker")
    case = await dispatched_case(anon, dispatcher, pole["id"])
    assert case["attributes"] == {"fault": "flicker"}
    layer = await anon.get(
        "/api/v1/lighting/lights",
        params={"circuit_id": "LC-14", "with_problem": "true"},
        headers=dispatcher,
    )
    assert [f["id"] for f in layer.json()["features"]] == [pole["id"]]
    assert layer.headers["content-type"].startswith("application/geo+json")
