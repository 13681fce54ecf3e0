"""What the role matrix (test_zx_role_matrix.py) acts with: one caller of each role through the
gateway, and the things each route needs to succeed on — a case every role may read, fresh
cases in the state a role's lifecycle action needs, throwaway accounts, points, cameras —
made on demand and kept for the calls that can share them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests import media_samples as samples
from tests.e2e.access_support import register
from tests.e2e.conftest import Platform
from tests.e2e.support import (
    act,
    dispose_and_pass_check,
    expected_department,
    login,
    refdata,
    report_and_wait_dispatched,
)
from tests.helpers import eventually, unique
from zg_common.authz import policy
from zg_common.geo import haversine_m

HEFEI = timedelta(hours=8)
DEPARTMENT = "roads-contractor"  # the department of roads-staff and of the matrix's partner key
USERNAMES = {
    "resident": "resident",
    "officer": "ZG001",  # grid G01
    "department_staff": "roads-staff",
    "intake_operator": "intake",
    "dispatcher": "dispatcher",
    "shift_leader": "shift-leader",
    "manager": "manager",
    "admin": "admin",
    "property_staff": "property",  # compounds CP001, CP002
}
ROLES = ("anonymous", *USERNAMES, "partner")
OTHER_GRIDS = [f"G{n:02d}" for n in range(2, 15) if n != 12]


def roles_of(operation: str) -> list[str]:
    return sorted(policy().operations[operation].roles)


def today() -> date:
    return (datetime.now(UTC) + HEFEI).date()


@dataclass
class World:
    client: httpx.AsyncClient  # the gateway, no credentials of its own
    platform: Platform
    _partner: dict[str, str] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict)
    _placed: list[tuple[float, float]] = field(default_factory=list)
    _turn: int = 0
    officers: list[str] = field(default_factory=list)  # badges made (retired at the end)

    # ---- callers -------------------------------------------------------------------------
    async def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "partner":
            return await self.partner()
        return await login(self.client, self.platform, USERNAMES[role])

    async def partner(self) -> dict[str, str]:
        """A partner system's key of the roads contractor, with every operation a partner
        may have."""
        if not self._partner:
            operations = sorted(
                name for name, op in policy().operations.items() if "partner" in op.roles
            )
            made = await self.client.post(
                "/api/v1/admin/api-keys",
                headers=await self.headers("admin"),
                json={
                    "name": unique("matrix partner"),
                    "department_ids": [DEPARTMENT],
                    "operations": operations,
                    "compound_ids": ["CP001"],
                },
            )
            assert made.status_code == 201, made.text
            self._partner = {"X-API-Key": made.json()["key"]}
        return self._partner

    async def post(self, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call that must succeed (setting up); its JSON body."""
        response = await self.client.post(path, headers=await self.headers(role), **kwargs)
        assert response.status_code in (200, 201, 202), f"{path}: {response.text}"
        body: dict[str, Any] = response.json()
        return body

    # ---- smart access ---------------------------------------------------------------------
    async def resident_record(self, *, fresh: bool = False) -> dict[str, Any]:
        """A resident registered at CP001 by the property staff (a new one when `fresh`: for
        a departure or a card replaced)."""
        if fresh or "resident_record" not in self._shared:
            async with httpx.AsyncClient(
                base_url=self.platform.gateway,
                timeout=15,
                headers=await self.headers("property_staff"),
            ) as staff:
                person, made = await register(staff, "CP001")
            self._shared["resident_record"] = made | {"person": person}
        record: dict[str, Any] = self._shared["resident_record"]
        return record

    # ---- cases ---------------------------------------------------------------------------
    def roads_place(self, grid_id: str | None = None) -> tuple[float, float]:
        """A place of its own (`spot`) where a broken cover (C0104) goes to the roads
        contractor: in this grid, or in the other grids in turn."""
        if grid_id is None:  # the grids in turn, G01 (the officer's) and G12 left out
            self._turn = (self._turn + 1) % len(OTHER_GRIDS)
            grid_id = OTHER_GRIDS[self._turn]
        return self.spot(grid_id, routed=True)

    def spot(self, grid_id: str, *, routed: bool = False) -> tuple[float, float]:
        """A place in the grid 25-75 m off one of its patrol points and over 20 m from any
        point and any place handed out before (C0104's duplicate radius is 15 m): the other
        tests leave few of a grid's patrol points free. `routed`: where C0104 goes to the
        roads contractor."""
        features = refdata("patrol_points.geojson")["features"]
        taken = [
            (f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in features
        ] + self._placed
        for f in features:
            if f["properties"]["grid_id"] != grid_id:
                continue
            lon, lat = f["geometry"]["coordinates"]
            for k in (1, 2, 3):
                for dlat, dlon in ((0.00025, 0), (0, 0.0003), (-0.00025, 0), (0, -0.0003)):
                    at = (lat + k * dlat, lon + k * dlon)
                    if any(haversine_m(*at, *t) <= 20 for t in taken):
                        continue
                    try:
                        grid, department = expected_department("C0104", *at)
                    except StopIteration:  # outside every grid
                        continue
                    if grid == grid_id and (department == DEPARTMENT or not routed):
                        self._placed.append(at)
                        return at
        raise LookupError(f"no place left in {grid_id}")

    async def photo(self, role: str, purpose: str | None = None) -> str:
        response = await self.client.post(
            "/api/v1/media",
            files={"file": ("photo.jpg", samples.jpeg(), "image/jpeg")},
            data={"purpose": purpose} if purpose else None,
            headers=await self.headers(role),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def dispatched(self, grid_id: str | None = None, **extra: Any) -> dict[str, Any]:
        """A resident's report, verified and dispatched to the roads contractor."""
        lat, lon = self.roads_place(grid_id)
        async with httpx.AsyncClient(
            base_url=self.platform.gateway, timeout=15, headers=await self.headers("resident")
        ) as resident:
            case = await report_and_wait_dispatched(
                resident,
                {"category": "C0104", "lat": lat, "lon": lon, "description": "井盖破损", **extra},
            )
        assert case["department"] == DEPARTMENT, case
        return case

    async def case(self) -> dict[str, Any]:
        """The case every signed-in role may read: the resident's, with a photo, in G01 (the
        officer's grid), dispatched to the roads contractor (the staff's and the key's)."""
        if "case" not in self._shared:
            self._shared["case"] = await self.dispatched(
                "G01", media=[await self.photo("resident")]
            )
        case: dict[str, Any] = self._shared["case"]
        return case

    async def verifying(self) -> dict[str, Any]:
        """A resident's report in G01 waiting for an officer to verify it on site."""
        lat, lon = self.roads_place("G01")
        case = await self.post(
            "resident",
            "/api/v1/cases",
            json={"category": "C0104", "lat": lat, "lon": lon, "description": "井盖松动"},
        )

        async def verifying() -> bool:
            response = await self.client.get(
                f"/api/v1/workflow/cases/{case['id']}", headers=await self.headers("dispatcher")
            )
            return response.status_code == 200 and response.json()["status"] == "verifying"

        await eventually(verifying, timeout=30, what="the report to wait for verification")
        return case

    async def extension_pending(self) -> dict[str, Any]:
        case = await self.dispatched()
        staff = await self.headers("department_staff")
        await act(self.client, case["id"], "request_extension", staff, hours=4, reason="parts")
        return case

    async def disposed(self) -> dict[str, Any]:
        case = await self.dispatched()
        staff = await self.headers("department_staff")
        await act(self.client, case["id"], "dispose", staff, result="cover replaced")
        return case

    async def closed(self, reporter: str, *, close: bool = True) -> dict[str, Any]:
        """A case reported by `reporter` (resident or partner), closed (or only checked)."""
        if reporter == "resident":
            case = await self.dispatched()
        else:
            lat, lon = self.roads_place()
            case = await self.post(
                "partner",
                "/api/v1/cases",
                json={"category": "C0104", "lat": lat, "lon": lon, "description": "井盖缺失"},
            )
            await self.until_status(case["id"], "dispatched")
            case = await self.read_case(case["id"])
        await dispose_and_pass_check(self.client, self.platform, case, "cover replaced")
        if not close:
            return case
        await act(
            self.client,
            case["id"],
            "close",
            await self.headers("shift_leader"),
            close_type="normal",
        )
        await self.until_status(case["id"], "closed")
        return case

    async def read_case(self, case_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/v1/cases/{case_id}", headers=await self.headers("dispatcher")
        )
        assert response.status_code == 200, response.text
        case: dict[str, Any] = response.json()
        return case

    async def until_status(self, case_id: str, status: str) -> None:
        async def reached() -> bool:
            response = await self.client.get(
                f"/api/v1/cases/{case_id}", headers=await self.headers("dispatcher")
            )
            return response.status_code == 200 and response.json()["status"] == status

        await eventually(reached, timeout=30, what=f"intake to show the case {status}")

    async def callback(self) -> dict[str, Any]:
        """A checked case of the partner's, its reporter to be called back before it closes."""
        case = await self.closed("partner", close=False)
        await act(
            self.client, case["id"], "request_callback", await self.headers("intake_operator")
        )
        return case

    async def merged(self) -> dict[str, Any]:
        """A report merged into an open case (same category and place)."""
        parent = await self.dispatched()
        joined = await self.post(
            "resident",
            "/api/v1/cases",
            json={
                "category": "C0104",
                "lat": parent["lat"],
                "lon": parent["lon"],
                "description": "同一个井盖",
            },
        )

        async def merged() -> bool:
            response = await self.client.get(
                f"/api/v1/cases/{joined['id']}", headers=await self.headers("dispatcher")
            )
            return response.status_code == 200 and response.json()["status"] == "merged"

        await eventually(merged, timeout=30, what="the report to be merged")
        return joined

    # ---- other things --------------------------------------------------------------------
    async def open311_request(self) -> dict[str, Any]:
        """A partner's Open311 submission (its token and its id)."""
        if "open311" not in self._shared:
            lat, lon = self.roads_place()
            response = await self.client.post(
                "/open311/v2/requests.json",
                data={"service_code": "E0104", "lat": str(lat), "long": str(lon)},
                headers=await self.headers("partner"),
            )
            assert response.status_code in (200, 201), response.text
            self._shared["open311"] = response.json()[0]
        request: dict[str, Any] = self._shared["open311"]
        return request

    async def point_code(self) -> str:
        """A signed code of a patrol point of G01 (the officer's grid)."""
        if "code" not in self._shared:
            code = await self.client.get(
                "/api/v1/patrol/points/P0001/code", headers=await self.headers("shift_leader")
            )
            assert code.status_code == 200, code.text
            self._shared["code"] = code.json()["token"]
        token: str = self._shared["code"]
        return token

    async def new_point(self) -> str:
        lat, lon = self.spot("G12")
        made = await self.post(
            "manager",
            "/api/v1/patrol-points",
            json={
                "grid_id": "G12",
                "object_type": "market",
                "name": unique("点"),
                "address": "某路1号",
                "lat": lat,
                "lon": lon,
                "reason": "matrix",
            },
        )
        return str(made["id"])

    @staticmethod
    def officer_body() -> dict[str, str]:
        n = uuid.uuid4().int % 1_000_000
        return {
            "badge": f"MX{n:06d}",
            "name": "矩阵",
            "grid_id": "G12",
            "shift": "day",
            "certificate": f"皖辅执-综合管理-2026{n:06d}",
            "reason": "matrix",
        }

    async def new_officer(self) -> str:
        body = self.officer_body()
        await self.post("manager", "/api/v1/officers", json=body)
        self.officers.append(body["badge"])
        return body["badge"]

    async def retire_officers(self) -> None:
        """The officers the matrix made leave again: left on duty, they would take visits of
        G12's shifts from the officers the later tests (the simulated day) walk with."""
        for badge in self.officers:
            await self.client.post(
                f"/api/v1/officers/{badge}/retire",
                json={"reason": "matrix: done"},
                headers=await self.headers("manager"),
            )

    async def new_camera(self) -> str:
        camera = unique("MX").upper().replace("_", "-")
        case = await self.case()
        await self.post(
            "manager",
            "/api/v1/cameras",
            json={
                "id": camera,
                "kind": "public_security",
                "name": "矩阵",
                "owner": "公安",
                "lat": case["lat"] + 0.0005,
                "lon": case["lon"],
                "height_m": 6,
                "heading_deg": 0,
                "fov_deg": 60,
                "range_m": 100,
            },
        )
        return camera

    async def new_account(self) -> tuple[str, str, str]:
        """A throwaway resident account: (id, username, password)."""
        username, password = unique("mx"), unique("pw") + "-long-enough"
        made = await self.post(
            "admin",
            "/api/v1/admin/accounts",
            json={"username": username, "password": password, "role": "resident"},
        )
        return str(made["id"]), username, password

    async def refresh_token(self) -> str:
        _, username, password = await self.new_account()
        tokens = await self.post(
            "anonymous", "/api/v1/auth/login", json={"username": username, "password": password}
        )
        return str(tokens["refresh_token"])
