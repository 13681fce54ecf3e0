"""Departments and calendars through the gateway: public reference data for everyone, staff
contacts for the platform's staff only, changes by managers only, checked and logged."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.e2e.support import assert_problem, login

pytestmark = pytest.mark.e2e


async def test_departments_are_public_their_contacts_are_for_staff(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    departments = (await anon.get("/api/v1/departments")).json()
    modes = {d["id"]: d["mode"] for d in departments}
    assert modes["police-station"] == "coordinated"
    assert modes["city-management"] == "entrusted"
    assert modes["roads-contractor"] == "assessed"
    one = (await anon.get("/api/v1/departments/transport")).json()
    assert one["calendar"] == "office" and len(one["grids"]) == 14
    assert "contacts" not in one and all("contacts" not in d for d in departments)
    assert_problem(
        await anon.get("/api/v1/departments/nowhere"), 404, "department_not_found"
    )  # fmt: skip

    assert (await anon.get("/api/v1/departments/transport/contacts")).status_code == 401
    resident = await login(anon, platform, "resident")
    assert_problem(
        await anon.get("/api/v1/departments/transport/contacts", headers=resident),
        403,
        "operation_forbidden",
    )
    officer = await login(anon, platform, "ZG001")
    contacts = (await anon.get("/api/v1/departments/transport/contacts", headers=officer)).json()
    assert {c["role"] for c in contacts} == {"duty", "liaison", "head"}
    assert all(c["phone"].startswith("0551-") for c in contacts)


async def test_managers_change_a_department_and_the_change_is_logged(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    manager = await login(anon, platform, "manager")
    dispatcher = await login(anon, platform, "dispatcher")
    desk = {"role": "duty", "name": "夜间值班 night desk", "phone": "0551-6300 7777"}
    change = {"contacts": [desk], "reason": "new duty line from 1 December"}
    assert_problem(
        await anon.patch("/api/v1/departments/market-supervision", json=change, headers=dispatcher),
        403,
        "operation_forbidden",
    )
    bad_phone = {**change, "contacts": [{**desk, "phone": "call me"}]}
    assert_problem(
        await anon.patch("/api/v1/departments/market-supervision", json=bad_phone, headers=manager),
        422,
        "validation_failed",
    )
    before = (
        await anon.get("/api/v1/departments/market-supervision/contacts", headers=manager)
    ).json()
    changed = await anon.patch(
        "/api/v1/departments/market-supervision", json=change, headers=manager
    )
    assert changed.status_code == 200, changed.text
    try:
        now = await anon.get("/api/v1/departments/market-supervision/contacts", headers=manager)
        assert now.json() == [{**desk, "email": None}]
        trail = (
            await anon.get("/api/v1/departments/market-supervision/changes", headers=dispatcher)
        ).json()
        assert trail[-1]["reason"] == "new duty line from 1 December"
        assert trail[-1]["actor_role"] == "manager"
        assert set(trail[-1]["before"]) == {"contacts"}  # only what changed
        assert [c["phone"] for c in trail[-1]["before"]["contacts"]] == [c["phone"] for c in before]
    finally:
        restore = {"contacts": before, "reason": "back to the data set's contacts"}
        await anon.patch("/api/v1/departments/market-supervision", json=restore, headers=manager)


async def test_calendars_and_holidays_are_public_and_managers_add_a_year(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    calendars = {c["id"]: c for c in (await anon.get("/api/v1/calendars")).json()}
    assert set(calendars) == {"24x7", "office", "extended"}
    assert calendars["office"]["week"]["mon"] == [["08:30", "12:00"], ["14:00", "17:30"]]
    assert calendars["office"]["holidays"] is True and calendars["24x7"]["holidays"] is False
    years = (await anon.get("/api/v1/calendars/holidays")).json()
    assert {"from": "2026-10-01", "to": "2026-10-07"} in years[0]["off"]

    manager = await login(anon, platform, "manager")
    year = {
        "source": "a schedule far in the future, for the test",
        "off": [{"from": "2099-10-01", "to": "2099-10-07"}],
        "work": ["2099-10-10"],
        "reason": "test",
    }
    assert_problem(
        await anon.put("/api/v1/calendars/holidays/2099", json=year), 401, "authentication_required"
    )
    inverted = {**year, "off": [{"from": "2099-10-07", "to": "2099-10-01"}]}
    refused = assert_problem(
        await anon.put("/api/v1/calendars/holidays/2099", json=inverted, headers=manager),
        422,
        "validation_failed",
    )
    assert refused["errors"][0]["code"] == "range_inverted"
    saved = await anon.put("/api/v1/calendars/holidays/2099", json=year, headers=manager)
    assert saved.status_code == 200, saved.text
    assert saved.json()["work"] == ["2099-10-10"]
    assert 2099 in [y["year"] for y in (await anon.get("/api/v1/calendars/holidays")).json()]
    reserved = await anon.put(
        "/api/v1/calendars/holidays",
        json={"name": "x y", "week": {}, "holidays": False, "reason": "x y"},
        headers=manager,
    )
    assert_problem(reserved, 422, "validation_failed")
