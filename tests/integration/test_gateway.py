"""The gateway against real sockets: a refused connection is 503, a slow service 504, in time."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from tests.helpers import free_port
from zg_common.identity import Identity, IdentitySigner, IdentityVerifier
from zg_gateway.config import GatewaySettings
from zg_gateway.main import create_app

pytestmark = pytest.mark.integration

JWT_SECRET = "integration-jwt-secret-0123456789abcdef"


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="error",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def slow_service() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/scores/slow")  # no route of the real scoring: nothing to check
    async def slow() -> dict[str, str]:
        await asyncio.sleep(30)
        return {"too": "late"}

    # a path of intake's no route of the real intake has: the gateway's matrix has nothing to
    # check (the real service would answer 404), so anonymous callers are forwarded
    @app.get("/api/v1/categories/{case_id}")
    async def fine(case_id: str, request: Request) -> dict[str, str]:
        return {"id": case_id, "identity": request.headers.get("x-zg-identity", "")}

    return app


@contextlib.asynccontextmanager
async def gateway_app(
    service_urls: dict[str, str], database_url: str, **settings: Any
) -> AsyncIterator[FastAPI]:
    """A gateway app with its lifespan running (no socket: callers go through `caller`)."""
    app = create_app(
        GatewaySettings(
            database_url=database_url,
            identity_secret="test-secret",
            jwt_secret=JWT_SECRET,
            **settings,
            service_urls=service_urls,
            upstream_timeout_s=0.5,
            connect_timeout_s=0.5,
            log_format="console",
        )
    )
    async with app.router.lifespan_context(app):
        yield app


def caller(app: FastAPI, address: str | None = None) -> httpx.AsyncClient:
    """A client of `app` from `address` (a loopback address of its own by default, so that a
    test's requests never count against another's rate limits, which the gateways share
    through the database)."""
    address = (
        address
        or f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    )
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=10)


@contextlib.asynccontextmanager
async def gateway(
    service_urls: dict[str, str], database_url: str, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        gateway_app(service_urls, database_url, **settings) as app,
        caller(app) as client,
    ):
        yield client


async def test_slow_service_is_504_and_refused_one_503_within_the_timeout(
    database_url: str,
) -> None:
    async with serve(slow_service()) as slow_url:
        urls = {
            "scoring": slow_url,
            "intake": slow_url,
            "patrol": f"http://127.0.0.1:{free_port()}",
        }
        async with gateway(urls, database_url) as gw:
            forged = IdentitySigner("guessed-secret").sign(
                Identity(sub="mallory", role="admin"),
                audience="intake",
                method="GET",
                path="/api/v1/categories/abc",
            )
            ok = await gw.get(
                "/api/v1/categories/abc", headers={"X-Request-ID": "req-1", "X-ZG-Identity": forged}
            )
            assert ok.status_code == 200 and ok.json()["id"] == "abc"
            assert ok.headers["x-request-id"] == "req-1"
            passed_on = IdentityVerifier(
                [IdentitySigner("test-secret").public_key], audience="intake"
            ).verify(ok.json()["identity"], method="GET", path="/api/v1/categories/abc")
            assert passed_on.role == "anonymous", "the client's own identity header must not pass"

            started = time.monotonic()
            timeout = await gw.get("/api/v1/scores/slow")
            elapsed = time.monotonic() - started
            assert timeout.status_code == 504
            assert timeout.headers["content-type"] == "application/problem+json"
            assert timeout.json()["code"] == "upstream_timeout"
            # the service sleeps 30 s: ending well before that is the budget's doing (the margin
            # is wide on purpose: a busy machine answers late, it must not fail the test)
            assert elapsed < 10, f"{elapsed:.2f}s for a 0.5 s budget"

            started = time.monotonic()
            refused = await gw.get("/api/v1/grids")
            assert refused.status_code == 503
            assert refused.json()["code"] == "service_unavailable"
            assert "patrol" in refused.json()["detail"]
            assert refused.headers["retry-after"]
            assert time.monotonic() - started < 10, "a refused connection is not waited on"

            unknown = await gw.get("/api/v1/unknown")
            assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"

            not_configured = await gw.get("/api/v1/departments")  # routing has no URL here
            assert not_configured.status_code == 503
            assert "not configured" in not_configured.json()["detail"]


async def test_a_service_dying_mid_request_is_a_503_to_retry_not_a_502(database_url: str) -> None:
    """A service killed while it handles a request (the fault tests kill them under load): the
    caller cannot know whether the work was done, so it is told to send the request again —
    a 503 problem with Retry-After (the Idempotency-Key makes the retry safe)."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the whole request head arrived, then nothing
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with gateway({"scoring": f"http://127.0.0.1:{port}"}, database_url) as gw:
            response = await gw.get("/api/v1/scores/slow")
    finally:
        server.close()
        await server.wait_closed()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "upstream_closed"
    assert response.headers["retry-after"]


async def test_rate_limit_answers_429_with_retry_after_and_cors_allows_the_app(
    database_url: str,
) -> None:
    async with (
        serve(slow_service()) as url,
        gateway(
            {"intake": url},
            database_url,
            rate_limit_ip_per_minute=2,
            rate_limit_burst=1,
            cors_origins=["https://app.zongguan.example"],
        ) as gw,
    ):
        statuses = [(await gw.get("/api/v1/categories/x")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        refused = await gw.get("/api/v1/categories/x")
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1

        preflight = await gw.options(
            "/api/v1/cases",
            headers={
                "Origin": "https://app.zongguan.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.zongguan.example"
        other = await gw.options(
            "/api/v1/cases",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in other.headers


async def test_the_api_docs_need_nothing_from_the_internet(
    database_url: str, tmp_path: Path
) -> None:
    """Swagger UI's script, style and icon come from the gateway itself, as from every process
    (`zg_common.docs`, in `create_base_app`): an intranet has no CDN. Without them installed,
    /docs says so with a problem, and the process still starts."""
    async with gateway({}, database_url) as gw:
        page = await gw.get("/docs")
        assert page.status_code == 200, page.text
        assert "http://" not in page.text and "https://" not in page.text
        assets = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
        assert "/openapi.json" in assets and len(assets) >= 4, assets
        for path in assets:
            if path == "/openapi.json":
                continue  # the merged document (the services are not running here)
            assert path.startswith("/assets/swagger-ui/"), path
            asset = await gw.get(path)
            assert asset.status_code == 200 and len(asset.content) > 500, path
        missing = await gw.get("/assets/swagger-ui/nothing.js")
        assert missing.status_code == 404

    async with gateway({}, database_url, web_dir=tmp_path) as gw:
        page = await gw.get("/docs")
        assert page.status_code == 503
        assert page.headers["content-type"] == "application/problem+json"
        assert page.json()["code"] == "docs_unavailable"
        assert (await gw.get("/assets/swagger-ui/swagger-ui-bundle.js")).status_code == 404


def upload_service() -> FastAPI:
    """Reads an upload through to its end before answering, as intake does."""
    app = FastAPI()

    @app.post("/api/v1/media", status_code=201)
    async def media(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"size": size}

    @app.post("/api/v1/cases", status_code=201)
    async def case() -> dict[str, str]:
        return {"id": "ZG-1"}

    return app


def bearer_of(sub: str) -> dict[str, str]:
    from zg_gateway.tokens import AccessTokens

    who = Identity(sub=sub, role="officer", badge="ZG001", grid_ids=("G01",))
    token = AccessTokens(JWT_SECRET, issuer="zongguan", ttl_s=600).issue(
        who, family_id=uuid.uuid4()
    )
    return {"Authorization": f"Bearer {token}"}


async def trickle(started: asyncio.Event, done: asyncio.Event) -> AsyncIterator[bytes]:
    yield b"\xff\xd8\xff" + b"\0" * 1000  # a photo's first bytes, and then a wait
    started.set()
    await done.wait()
    yield b"\0" * 1000


async def test_uploads_take_few_slots_and_end_by_their_deadline(database_url: str) -> None:
    """A caller has two uploads at once, a service sixteen (three here): more is refused at
    once, never queued on the connections every other request needs; an upload still
    arriving at its deadline ends with 504 upload_too_slow."""
    async with (
        serve(upload_service()) as url,
        gateway_app(
            {"intake": url},
            database_url,
            uploads_per_caller=2,
            upload_slots_per_service=3,
            upload_deadline_s=2,
        ) as app,
        caller(app) as client,
    ):
        done = asyncio.Event()
        alice, bob = bearer_of(f"alice-{uuid.uuid4()}"), bearer_of(f"bob-{uuid.uuid4()}")

        async def upload(who: dict[str, str]) -> asyncio.Task[httpx.Response]:
            """An upload under way: its first bytes sent, the rest held back."""
            started = asyncio.Event()
            task = asyncio.create_task(
                client.post("/api/v1/media", headers=who, content=trickle(started, done))
            )
            await asyncio.wait_for(started.wait(), timeout=5)
            return task

        running = [await upload(alice), await upload(alice)]
        third = await client.post("/api/v1/media", headers=alice, content=b"\xff\xd8\xff")
        assert third.status_code == 429 and third.json()["code"] == "too_many_uploads"
        running.append(await upload(bob))
        full = await client.post("/api/v1/media", headers=bob, content=b"\xff\xd8\xff")
        assert full.status_code == 503 and full.json()["code"] == "uploads_busy"
        assert full.headers["retry-after"]
        # the other requests are not held behind the uploads
        case = await client.post("/api/v1/cases", headers=alice, json={})
        assert case.status_code == 201
        # still arriving at the deadline: 504, and the slots are free again
        answers = await asyncio.gather(*running)
        assert [a.status_code for a in answers] == [504, 504, 504]
        assert {a.json()["code"] for a in answers} == {"upload_too_slow"}
        done.set()
        finished = await client.post("/api/v1/media", headers=alice, content=b"\xff\xd8\xff" * 10)
        assert finished.status_code == 201 and finished.json() == {"size": 30}
