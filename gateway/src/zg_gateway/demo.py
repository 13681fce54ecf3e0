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

from zg_gateway.keys import create_key
from zg_gateway.models import Account
from zg_gateway.passwords import hash_password

log = logging.getLogger(__name__)

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
]


async def create_demo_accounts(session: AsyncSession, credentials_file: Path) -> bool:
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
    document = {
        "accounts": written,
        "api_keys": [
            {"name": "12345 hotline (demo)", "key": key},
            {"name": "video platform (demo)", "key": video_key},
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
