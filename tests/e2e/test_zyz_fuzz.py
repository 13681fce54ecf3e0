"""Fuzzing the whole platform through the gateway's merged OpenAPI (schemathesis, an
authenticated administrator): no request makes anything answer 5xx, and every answer matches
the schema the document gives for it.

Named to run after the simulated day and before the stopped-service test: it leaves random
cases and edits behind. Left out: the administration of accounts and keys and the login and
session calls (it would lock or disable the accounts the later tests log in with), and the
live stream (it never ends). Webhooks are in: the test platform delivers to loopback only and
looks up no names, so a generated URL can reach nothing beyond this machine."""

from __future__ import annotations

import asyncio
import ipaddress
import sys
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.conftest import REPO
from tests.e2e.conftest import Platform
from tests.e2e.support import login
from zg_common.db import to_asyncpg_dsn

pytestmark = pytest.mark.e2e

LEFT_OUT = r"^/api/v1/(admin/|auth/|ops/stream)"


@pytest.mark.timeout(600)
async def test_fuzzing_the_merged_api_finds_no_server_error_and_no_schema_breach(
    anon: httpx.AsyncClient, platform: Platform, e2e_database: str
) -> None:
    admin = await login(anon, platform, "admin")
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{platform.gateway}/openapi.json",
        "--url", platform.gateway,
        "--header", f"Authorization: {admin['Authorization']}",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--phases", "examples,fuzzing",
        "--max-examples", "4",
        "--max-time", "180",
        "--rate-limit", "8/s",  # under the account's 600 a minute
        "--request-timeout", "20",
        "--exclude-path-regex", LEFT_OUT,
        "--generation-database", "none",
        "--seed", "15",
        "--workers", "1",
        "--no-color",
    ]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *command, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=560)
    text = output.decode(errors="replace")
    print(text)  # shown when it fails: every finding with its curl to reproduce it
    assert proc.returncode == 0, text[-8000:]

    # whatever webhook URLs it made up, an answer came only from this machine: a delivery
    # with a status code reached a receiver, and the guard lets it reach loopback only
    conn = await asyncpg.connect(to_asyncpg_dsn(e2e_database))
    try:
        answered = await conn.fetch(
            "SELECT s.url, d.last_status_code FROM intake.webhook_delivery d "
            "JOIN intake.webhook_subscription s ON s.id = d.subscription_id "
            "WHERE d.last_status_code IS NOT NULL"
        )
        made = await conn.fetchval("SELECT count(*) FROM intake.webhook_subscription")
    finally:
        await conn.close()
    print(f"{made} webhook subscriptions in all, {len(answered)} deliveries answered")
    for row in answered:
        assert _loopback(row["url"]), f"a delivery reached {row['url']}"


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: the test platform looks up none, so none can be answered
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback
