"""Attacks on the platform through its gateway (issue #15), each one refused. Traffic goes to
this machine's gateway only."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import assert_problem

pytestmark = pytest.mark.e2e

TRAVERSALS = [
    "/api/v1/cases/../../../metrics",
    "/api/v1/cases/../../../docs",
    "/api/v1/cases/../../../openapi.json",
    "/api/v1/cases/../../../readyz",
    "/api/v1/cases/%2e%2e/%2e%2e/%2e%2e/metrics",
    "/api/v1/cases/%2E%2E%2F%2E%2E%2F%2E%2E%2Fmetrics",
    "/api/v1/cases/%252e%252e/%252e%252e/%252e%252e/metrics",
    "/api/v1/cases/..%5c..%5c..%5cmetrics",
    "/api/v1/cases/./../categories",
    "/open311/v2/../../metrics",
]


async def raw_get(gateway: str, target: str) -> tuple[int, dict[str, str], bytes]:
    """A GET of `target` exactly as written (an HTTP client library would resolve the dots
    before sending, which is what an attacker does not do)."""
    url = urlsplit(gateway)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout=15)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        chunks, rest = [], body
        while rest:
            size_text, _, rest = rest.partition(b"\r\n")
            size = int(size_text, 16)
            if size == 0:
                break
            chunks.append(rest[:size])
            rest = rest[size + 2 :]
        body = b"".join(chunks)
    return status, headers, body


@pytest.mark.parametrize("target", TRAVERSALS)
async def test_the_gateway_forwards_no_dot_segments(platform: Platform, target: str) -> None:
    status, headers, body = await raw_get(platform.gateway, target)
    assert b"# HELP" not in body and b"swagger" not in body.lower()
    assert status == 400, (status, body[:300])
    if target.startswith("/open311/"):  # Open311's clients get its error format
        errors: list[dict[str, Any]] = json.loads(body)
        assert errors[0]["code"] == 400 and "'..'" in errors[0]["description"]
        return
    assert headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = json.loads(body)
    assert problem["code"] == "path_not_normalised"


async def test_an_api_key_goes_in_a_header_except_on_open311(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    key = demo_credentials(platform)["api_keys"][0]["key"]
    refused = await anon.get("/api/v1/cases", params={"api_key": key})
    assert_problem(refused, 400, "api_key_in_query")
    assert (await anon.get("/api/v1/cases", headers={"X-API-Key": key})).status_code == 200
    # Open311's clients send it as a parameter, as its spec says
    services = await anon.get("/open311/v2/requests.json", params={"api_key": key})
    assert services.status_code == 200, services.text


async def test_a_key_reads_the_public_reference_data_it_reports_with(
    anon: httpx.AsyncClient, platform: Platform
) -> None:
    """The demo 12345 key's operation list (cases.create, …) names no public read, yet the
    category tree and the grids are open to anonymous callers: the list never narrows below
    the public."""
    key = {"X-API-Key": demo_credentials(platform)["api_keys"][0]["key"]}
    for path in ("/api/v1/categories", "/api/v1/grids", "/api/v1/zone-types"):
        response = await anon.get(path, headers=key)
        assert response.status_code == 200, f"{path}: {response.text}"
    assert_problem(await anon.get("/api/v1/cameras", headers=key), 403, "operation_forbidden")


@pytest.mark.parametrize(
    ("who", "method", "path", "status", "code"),
    [
        ("resident", "GET", "/api/v1/officers", 403, "operation_forbidden"),
        ("resident", "POST", "/api/v1/routing-rules", 403, "operation_forbidden"),
        ("anonymous", "GET", "/api/v1/workflow/queue", 401, "authentication_required"),
        ("key", "GET", "/api/v1/cameras", 403, "operation_forbidden"),
    ],
)
async def test_the_gateway_refuses_a_forbidden_call_before_any_service(
    platform: Platform, who: str, method: str, path: str, status: int, code: str
) -> None:
    """The role x operation matrix is checked at the gateway too: the refused call leaves no
    line in any service's log (only the gateway's)."""
    headers: dict[str, str] = {}
    if who == "resident":
        account = next(a for a in demo_credentials(platform)["accounts"] if a["role"] == who)
        async with httpx.AsyncClient(base_url=platform.gateway, timeout=15) as client:
            login = await client.post(
                "/api/v1/auth/login",
                json={"username": account["username"], "password": account["password"]},
            )
        headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    elif who == "key":
        headers["X-API-Key"] = demo_credentials(platform)["api_keys"][0]["key"]
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=15) as client:
        response = await client.request(method, path, headers=headers, json={})
    assert_problem(response, status, code)
    request_id = response.headers["x-request-id"]
    await asyncio.sleep(0.5)  # the log is written by the supervisor, a little behind
    text = Path(platform.log).read_text(encoding="utf-8", errors="replace")
    lines = [line for line in text.splitlines() if request_id in line]
    assert lines, "the gateway logs the refusal"
    assert all(line.startswith("gateway") for line in lines), lines
