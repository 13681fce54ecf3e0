"""What the simulator plays with, read through the public API, and the accounts it plays as.

In development it creates, through the admin API, an account for each officer (check-in settles
only the scanning officer's own visit) and each department; their passwords are kept in a file
of the local data folder so that the next run logs in with them.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zg_sim.client import Gateway, KeySession, Session

log = logging.getLogger("zg_sim")


@dataclass
class Officer:
    badge: str
    name: str
    grid_id: str
    shift: str
    session: Session


@dataclass
class World:
    officers: dict[str, Officer]
    by_grid: dict[str, list[Officer]]
    departments: dict[str, Session]
    centre: dict[str, Session]  # role -> the demo account of that role
    resident: Session
    hotline: KeySession | None
    video: KeySession | None
    points: list[dict[str, Any]]  # GeoJSON features
    cameras: list[dict[str, Any]]
    categories: list[str]  # minor category codes
    codes: dict[str, str] = field(default_factory=dict)  # point id -> its QR token
    lighting: KeySession | None = None  # the street-lighting platform
    access: KeySession | None = None  # the compounds' access-control vendor
    property: Session | None = None  # property staff of every compound
    lights: list[dict[str, Any]] = field(default_factory=list)  # GeoJSON features
    compounds: list[dict[str, Any]] = field(default_factory=list)


def _load(path: Path) -> dict[str, Any]:
    if path.is_file():
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    return {"accounts": {}}


def _save(path: Path, store: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(store, indent=1) + "\n")
    path.chmod(0o600)  # passwords, development only


async def build(
    gateway: Gateway, *, credentials: Path, accounts_file: Path, officers: int | None
) -> World:
    demo = _load(credentials)
    by_role = {a["role"]: a for a in demo["accounts"]}
    by_name = {a["username"]: a for a in demo["accounts"]}

    def demo_session(role: str) -> Session:
        account = by_role[role]
        return Session(gateway, account["username"], account["password"])

    admin = demo_session("admin")
    centre = {
        role: demo_session(role)
        for role in ("intake_operator", "dispatcher", "shift_leader", "manager")
    }
    keys = {k["name"]: k["key"] for k in demo.get("api_keys", [])}
    hotline = next((v for n, v in keys.items() if "12345" in n), None)
    video = next((v for n, v in keys.items() if "video" in n), None)
    lighting = next((v for n, v in keys.items() if "street-lighting" in n), None)
    access = next((v for n, v in keys.items() if "access-control" in n), None)

    roster = (await admin.get("/api/v1/officers"))[: officers or None]
    departments = await admin.get("/api/v1/departments")
    store = _load(accounts_file)
    known: dict[str, str] = store["accounts"]

    async def account(username: str, body: dict[str, Any]) -> Session:
        if username in by_name:  # the demo officer ZG001 is a demo account already
            return Session(gateway, username, by_name[username]["password"])
        if username not in known:
            password = secrets.token_urlsafe(18)
            response = await admin.call(
                "POST",
                "/api/v1/admin/accounts",
                json={"username": username, "password": password, **body},
            )
            if response.status_code == 409:
                raise RuntimeError(
                    f"account {username} exists but its password is not in {accounts_file}: "
                    "use another data folder or delete the account"
                )
            if response.status_code != 201:
                raise RuntimeError(f"cannot create {username}: {response.text[:300]}")
            known[username] = password
            _save(accounts_file, store)
        return Session(gateway, username, known[username])

    officer_list = []
    for o in roster:
        session = await account(
            o["badge"],
            {"role": "officer", "name": o["name"], "grid_ids": [o["grid_id"]], "badge": o["badge"]},
        )
        officer_list.append(Officer(o["badge"], o["name"], o["grid_id"], o["shift"], session))
    staff = {}
    for d in departments:
        if d["mode"] == "command":
            continue
        staff[d["id"]] = await account(
            f"sim-{d['id']}",
            {"role": "department_staff", "name": d["name"], "department_ids": [d["id"]]},
        )
    compounds = (await admin.get("/api/v1/access/compounds"))["compounds"]
    lights = (await admin.get("/api/v1/lighting/lights"))["features"]
    property_staff = await account(
        "sim-property",
        {
            "role": "property_staff",
            "name": "物业 property staff",
            "compound_ids": [c["id"] for c in compounds],
        },
    )
    points = (await admin.get("/api/v1/patrol-points?limit=2000"))["features"]
    cameras = (await admin.get("/api/v1/cameras?limit=5000"))["features"]
    tree = await admin.get("/api/v1/categories")
    minors = [  # those a report can name without answering a required question
        c["code"]
        for major in tree
        for c in major.get("children", [])
        if not any(a.get("required") for a in c.get("attributes", []))
    ]
    by_grid: dict[str, list[Officer]] = {}
    for officer in officer_list:
        by_grid.setdefault(officer.grid_id, []).append(officer)
    log.info(
        "simulating %d officers, %d departments, %d points, %d cameras",
        len(officer_list),
        len(staff),
        len(points),
        len(cameras),
    )
    return World(
        officers={o.badge: o for o in officer_list},
        by_grid=by_grid,
        departments=staff,
        centre=centre,
        resident=demo_session("resident"),
        hotline=KeySession(gateway, hotline) if hotline else None,
        video=KeySession(gateway, video) if video else None,
        points=points,
        cameras=cameras,
        categories=minors,
        lighting=KeySession(gateway, lighting) if lighting else None,
        access=KeySession(gateway, access) if access else None,
        property=property_staff,
        lights=lights,
        compounds=compounds,
    )
