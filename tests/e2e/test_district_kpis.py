"""The managers' district indicators through the gateway, reproduced from hand-computed
figures: the police's monthly batch (counts per grid only), a manager's costs for this month
and the same month a year before, the data set's residents, staff and area, and the
departments' own lines for the handling rate; every figure worked out here by its pinned
definition (docs/scoring.md, "District indicators") and compared with what scoring answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import (
    a_free_point,
    act,
    assert_problem,
    login,
    refdata,
    report_and_wait_dispatched,
    roomiest_grid,
)
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

KINDS = ("burglary", "motor_vehicle_theft", "bicycle_theft", "robbery_snatching")
THIS_YEAR = {  # grid: burglary, motor vehicles, bicycles, robbery
    "G02": (2, 0, 5, 0),
    "G06": (0, 0, 0, 1),
    "G10": (0, 1, 3, 0),
}
A_YEAR_BEFORE = {"G02": (4, 0, 6, 0), "G03": (0, 2, 2, 0)}


def r2(value: float) -> float:
    """Two decimals, halves up: how the definitions round."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def batch(counts: dict[str, tuple[int, int, int, int]]) -> dict[str, Any]:
    return {
        "grids": [{"grid_id": g, **dict(zip(KINDS, c, strict=True))} for g, c in counts.items()]
    }


def months() -> tuple[str, str]:
    local = (datetime.now(UTC) + timedelta(hours=8)).date()
    return f"{local.year}-{local.month:02d}", f"{local.year - 1}-{local.month:02d}"


async def test_a_month_s_district_indicators_match_the_hand_computed_figures(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    month, before = months()
    manager = await login(anon, platform, "manager")
    # a case handled this month, whatever ran before (reported by the command centre: no
    # verification; in the grid with the most points left, not the officers' G01 the other
    # tests need)
    dispatcher = await login(anon, platform, "dispatcher")
    place = a_free_point(grid_id=roomiest_grid())
    lon, lat = place["geometry"]["coordinates"]
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=15, headers=dispatcher) as app:
        case = await report_and_wait_dispatched(
            app, {"category": "C0104", "lat": lat, "lon": lon, "description": "电力井盖破损"}
        )
    staff = await login(anon, platform, "roads-staff")
    await act(anon, case["id"], "dispose", staff, result="cover replaced")
    keys = demo_credentials(platform)["api_keys"]
    police = {"X-API-Key": next(k["key"] for k in keys if k["name"] == "police station (demo)")}
    for label, counts in ((month, THIS_YEAR), (before, A_YEAR_BEFORE)):
        stored = await anon.put(
            f"/api/v1/scores/incidents/{label}", json=batch(counts), headers=police
        )
        assert stored.status_code == 200, stored.text
    for label, amount in ((month, "1150000.00"), (before, "2000000.00")):
        entered = await anon.put(
            f"/api/v1/scores/costs/{label}", json={"amount_yuan": amount}, headers=manager
        )
        assert entered.status_code == 200, entered.text
    # a batch with a grid outside the district, or a grid twice, changes nothing
    wrong = batch({"G99": (1, 0, 0, 0)})
    refused = await anon.put(f"/api/v1/scores/incidents/{month}", json=wrong, headers=police)
    assert refused.status_code == 422, refused.text
    # the police key reads nothing it did not report, a manager may not report crimes
    assert_problem(
        await anon.get(f"/api/v1/scores/district/{month}", headers=police),
        403,
        "operation_forbidden",
    )
    assert_problem(
        await anon.put(f"/api/v1/scores/incidents/{month}", json=batch({}), headers=manager),
        403,
        "operation_forbidden",
    )

    figures = refdata("district_figures.json")
    residents = figures["residents_by_grid"]
    staff = figures["centre_staff"] + figures["officers"]
    assert (figures["residents"], staff) == (78_000, 205) and sum(residents.values()) == 78_000
    total = sum(sum(c) for c in THIS_YEAR.values())
    total_before = sum(sum(c) for c in A_YEAR_BEFORE.values())
    per_10k, per_10k_before = r2(total * 10_000 / 78_000), r2(total_before * 10_000 / 78_000)
    staff_per_km2 = r2(staff / figures["area_km2"])

    async def matches() -> dict[str, Any] | None:
        lines = (
            await anon.get("/api/v1/scores/departments", params={"period": month}, headers=manager)
        ).json()["departments"]
        kpis = (await anon.get(f"/api/v1/scores/district/{month}", headers=manager)).json()
        handled, to_handle = sum(x["handled"] for x in lines), sum(x["to_handle"] for x in lines)
        if (kpis["handled"], kpis["to_handle"]) != (handled, to_handle):
            return None  # an event between the two reads: read both again
        return {"kpis": kpis, "lines": lines, "handled": handled, "to_handle": to_handle}

    seen = await eventually(matches, timeout=30, what="two reads of the same numbers")
    kpis, lines, handled = seen["kpis"], seen["lines"], seen["handled"]
    assert handled > 0, "the case handled above at least"
    assert kpis["handling_rate"] == r2(handled / seen["to_handle"] * 100)
    rated = sorted(
        (x for x in lines if x["handled_rate"] is not None),
        key=lambda x: (-x["handled_rate"], x["department_id"]),
    )
    ranked = [(d["rank"], d["department_id"]) for d in kpis["departments"] if d["rank"]]
    assert ranked == [(n, x["department_id"]) for n, x in enumerate(rated, start=1)]
    assert kpis["incidents"] == total == 12
    assert kpis["incidents_per_10k_residents"] == per_10k == 1.54
    by_grid = {g["grid_id"]: g for g in kpis["incidents_by_grid"]}
    for grid, numbers in THIS_YEAR.items():
        assert by_grid[grid]["total"] == sum(numbers)
        assert by_grid[grid]["per_10k_residents"] == r2(sum(numbers) * 10_000 / residents[grid])
    assert by_grid["G03"]["total"] == 0 and by_grid["G03"]["per_10k_residents"] == 0.0
    order = [g["grid_id"] for g in kpis["incidents_by_grid"]][:3]
    assert order == sorted(THIS_YEAR, key=lambda g: -sum(THIS_YEAR[g]) * 10_000 / residents[g]), (
        "most per 10,000 residents first"
    )
    assert kpis["staff_per_km2"] == staff_per_km2
    assert kpis["cost_yuan"] == 1_150_000.0
    assert kpis["cost_per_handled_case"] == r2(1_150_000 / handled)
    yoy = kpis["year_on_year"]
    assert yoy["incidents_per_10k_residents"] == {
        "previous": per_10k_before,
        "change": r2(per_10k - per_10k_before),
        "change_pct": r2((per_10k - per_10k_before) / per_10k_before * 100),
    }
    assert yoy["cost_yuan"] == {"previous": 2_000_000.0, "change": -850_000.0, "change_pct": -42.5}
    assert yoy["staff_per_km2"] == {"previous": staff_per_km2, "change": 0.0, "change_pct": 0.0}
    assert yoy["handling_rate"]["previous"] is None, "no case a year before"

    # the compounds' registered residents, from smart access's events (counts only)
    async def registered() -> dict[str, Any] | None:
        rows = (
            await anon.get("/api/v1/access/occupancy", params={"by": "grid"}, headers=manager)
        ).json()["rows"]
        now = (await anon.get(f"/api/v1/scores/district/{month}", headers=manager)).json()
        by_grid = {r["id"]: r["residents"] for r in rows}
        return now if now["registered_residents"] == sum(by_grid.values()) else None

    now = await eventually(registered, timeout=30, what="scoring to count the registrations")
    assert now["registration_coverage"] == r2(now["registered_residents"] / 78_000 * 100)
    for g in now["registration_by_grid"]:
        assert g["coverage"] == r2(g["registered"] / residents[g["grid_id"]] * 100)
    # the month's report carries them among its key figures (HTML and PDF label them)
    report = await anon.get(f"/api/v1/scores/reports/{month}", headers=manager)
    assert report.status_code == 200, report.text
    summary = report.json()["content"]["summary"]
    assert (summary["incidents"], summary["staff_per_km2"], summary["cost_yuan"]) == (
        12,
        staff_per_km2,
        1_150_000.0,
    )
    assert summary["cost_yuan_yoy_pct"] == -42.5
    page = await anon.get(
        f"/api/v1/scores/reports/{month}", params={"format": "html"}, headers=manager
    )
    assert "每万人四类案件" in page.text and "每平方公里管理服务人数" in page.text
