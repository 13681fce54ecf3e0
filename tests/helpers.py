"""Small helpers shared by integration and e2e tests."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import uuid
from collections.abc import Awaitable, Callable, Generator, Iterator
from contextlib import contextmanager
from typing import TypeVar

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from zg_common.db import to_asyncpg_dsn
from zg_common.identity import IDENTITY_HEADER, Identity, IdentitySigner

T = TypeVar("T")

# Values for path parameters when the tests call every route derived from the apps.
SAMPLE_PATH_VALUES = {
    "case_id": str(uuid.uuid4()),
    "media_id": str(uuid.uuid4()),
    # Open311
    "fmt": "json",
    "service_code": "E0403",
    "service_request_id": "FX20260101000001",
    "token": str(uuid.uuid4()),
    "rest": "unknown.json",
    "webhook_id": str(uuid.uuid4()),
    "action": "accept",
    "rule_id": "RR0001",
    "grid_id": "G01",
    "department_id": "roads-contractor",
    "calendar_id": "office",
    "year": "2026",
    "day": "2020-01-01",  # outside the days plans are made for: answered at once
    "badge": "ZG001",
    "point_id": "P0001",
    "route_id": "R01",
    "camera_id": "TW-00001",
    "absence_id": "1",
    "key_id": str(uuid.uuid4()),
    "account_id": str(uuid.uuid4()),
    "job_id": str(uuid.uuid4()),
    "period": "2026-10",
    "month": "2026-10",
    "compound_id": "CP001",
    "resident_id": str(uuid.uuid4()),
}
# The gateway's catch-all forwards; the service behind it checks the operation.
PROXY_PATHS = frozenset({"/api/v1/{path:path}", "/open311/v2/{path:path}"})


def sample_path(template: str) -> str:
    """A route's path with sample values ({name} and {name:converter} alike)."""
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE_PATH_VALUES[m.group(1)], template)


def free_port() -> int:
    """A loopback port nobody listens on now (for a server a test starts itself)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def eventually(
    check: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 20.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll until `check` returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def create_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(to_asyncpg_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


class SignedAs(httpx.Auth):
    """Call a service directly as the gateway would: each request's identity header signed,
    with the gateway's secret, for that service, method and path."""

    def __init__(self, who: Identity, secret: str, service: str) -> None:
        self.who, self.service = who, service
        self.signer = IdentitySigner(secret)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[IDENTITY_HEADER] = self.signer.sign(
            self.who, audience=self.service, method=request.method, path=request.url.path
        )
        yield request


def public_keys(secret: str) -> str:
    """ZG_IDENTITY_PUBLIC_KEYS for the services of a gateway with this secret."""
    return json.dumps([IdentitySigner(secret).public_key])


@contextmanager
def statements_of(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements the engine sends while the block runs (to count round trips)."""
    seen: list[str] = []

    def listen(conn: object, cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listen)
