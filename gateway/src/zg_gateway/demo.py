"""Demo accounts for development: one per role, created on the first start, never in production.

Their random passwords are written to a git-ignored file under the local data folder
(`.data/demo-credentials.json` with `make run`), and the gateway logs where it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import uuid
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.refdata import RefData
from zg_gateway.keys import create_key
from zg_gateway.models import Account
from zg_gateway.passwords import hash_password

log = logging.getLogger(__name__)

# the compounds the demo property staff serve (smart access); the vendor's key all of them
DEMO_COMPOUNDS = ["CP001", "CP002"]

# username, role, display name, departments, grids
DEMO_ACCOUNTS = [
    ("resident", "resident", "Demo resident", [], []),
    ("ZG001", "officer", "Demo officer ZG001", [], ["G01"]),
    ("roads-staff", "department_staff", "Demo roads contractor staff", ["roads-contractor"], []),
    ("intake", "intake_operator", "Demo intake operator", [], []),
    ("dispatcher", "dispatcher", "Demo dispatcher", [], []),
    ("shift-leader", "shift_leader", "Demo shift leader", [], []),
    ("manager", "manager", "Demo manager", [], []),
    ("admin", "admin", "Demo administrator", [], []),
    ("property", "property_staff", "Demo property staff (CP001, CP002)", [], []),
]


def data_set_compounds(refdata_dir: Path | None) -> list[str]:
    """The compounds of the data set (the demo vendor's key serves them all)."""
    if refdata_dir is None:
        return DEMO_COMPOUNDS
    try:
        return [c["id"] for c in RefData(refdata_dir).read("compounds.json")]
    except (FileNotFoundError, KeyError):  # a data set without compounds
        return DEMO_COMPOUNDS


async def create_demo_accounts(
    session: AsyncSession, credentials_file: Path, *, refdata_dir: Path | None = None
) -> bool:
    """Create the demo accounts if the gateway has no account yet; True when it did."""
    if await session.scalar(select(func.count()).select_from(Account)):
        return False
    written = []
    for username, role, name, departments, grids in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        session.add(
            Account(
                id=uuid.uuid4(),
                username=username,
                password_hash=hash_password(password),
                role=role,
                name=name,
                department_ids=departments,
                grid_ids=grids,
                badge=username if role == "officer" else None,
                compound_ids=DEMO_COMPOUNDS if role == "property_staff" else [],
            )
        )
        written.append({"username": username, "password": password, "role": role})
    _, key = await create_key(
        session,
        name="12345 hotline (demo)",
        department_ids=["command-centre"],
        operations=[
            "cases.create",
            "cases.hotline",  # its orders are hotline orders: no other key's may be
            "cases.read",
            "media.upload",
            "media.read",
            "open311.read",
            "open311.submit",
            "open311.updates",
            "cases.rate",
            "webhooks.manage",
            "workflow.act",  # the call-back results of its orders
        ],
    )
    # the video platform (天网 / compound NVRs, AI analytics): heartbeats and alarms only
    _, video_key = await create_key(
        session,
        name="video platform (demo)",
        department_ids=[],
        operations=["cameras.report", "camera_alarms.raise"],
    )
    # the compounds' access-control vendor (一卡通 gates): swipes and heartbeats only
    _, access_key = await create_key(
        session,
        name="access-control vendor (demo)",
        department_ids=[],
        operations=["access.swipes.report"],
        compound_ids=data_set_compounds(refdata_dir),
    )
    # the street-lighting platform (智慧路灯): its lights' reports only
    _, lighting_key = await create_key(
        session,
        name="street-lighting platform (demo)",
        department_ids=[],
        operations=["lighting.report"],
    )
    # the police station's system: the monthly counts of the four preventable types only
    _, police_key = await create_key(
        session,
        name="police station (demo)",
        department_ids=["police-station"],
        operations=["scores.incidents.report"],
    )
    document = {
        "accounts": written,
        "api_keys": [
            {"name": "12345 hotline (demo)", "key": key},
            {"name": "video platform (demo)", "key": video_key},
            {"name": "access-control vendor (demo)", "key": access_key},
            {"name": "street-lighting platform (demo)", "key": lighting_key},
            {"name": "police station (demo)", "key": police_key},
        ],
    }
    await asyncio.to_thread(_write_private, credentials_file, document)
    log.warning("demo accounts created; their passwords are in %s", credentials_file)
    return True


def _write_private(path: Path, document: Mapping[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(json.dumps(document, indent=1) + "\n")
