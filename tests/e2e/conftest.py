"""The whole platform as `make run` starts it (same supervisor), on the test infrastructure."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.conftest import REPO, TEST_DATA, Infra
from tests.helpers import create_database
from zg_local.readiness import platform_ready

E2E_PORT_OFFSET = 10000  # gateway on 18000, services on 18001-18005
# The tests know the secret so that they can also call services directly, as the gateway would.
IDENTITY_SECRET = "e2e-" + secrets.token_urlsafe(24)
MAX_PHOTO_BYTES = 2_000_000
MAX_UPLOAD_BYTES = 4_000_000


@dataclass(frozen=True)
class Platform:
    gateway: str
    services: dict[str, str]
    pids: dict[str, int]
    log: str


@pytest.fixture(scope="session")
async def e2e_database(infra: Infra) -> str:
    await create_database(infra.database_url, "zongguan_e2e")
    return infra.url_for("zongguan_e2e")


@pytest.fixture(scope="session")
def platform(infra: Infra, e2e_database: str) -> Iterator[Platform]:
    folder = TEST_DATA / "platform"
    folder.mkdir(parents=True, exist_ok=True)
    ready = folder / "ready.json"
    ready.unlink(missing_ok=True)
    log_path = folder / "platform.log"
    env = dict(
        os.environ,
        DATABASE_URL=e2e_database,
        KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
        ZG_DATA_DIR=str(folder),
        ZG_ENVIRONMENT="test",
        # the tests make their own cases (the simulator's run is a test of its own)
        ZG_SIMULATOR="off",
        # the production default: a day plan (1 s of solving below) takes about 5 s on two
        # cores, more while the platform makes its own start-up plans
        ZG_GATEWAY_UPSTREAM_TIMEOUT_S="10",
        ZG_IDENTITY_SECRET=IDENTITY_SECRET,
        # small limits, so that the tests of them send little
        ZG_INTAKE_MEDIA_MAX_PHOTO_BYTES=str(MAX_PHOTO_BYTES),
        ZG_MAX_UPLOAD_BYTES=str(MAX_UPLOAD_BYTES),
        # webhook retries 0.2 s, 0.4 s, ... apart instead of 10 s, 20 s, ...
        ZG_INTAKE_WEBHOOK_RETRY_BASE_S="0.2",
        ZG_INTAKE_WEBHOOK_POLL_INTERVAL_S="0.1",
        # webhooks reach this machine's loopback only, and no name is looked up: no test
        # sends anything beyond this machine, not even a DNS query
        ZG_INTAKE_WEBHOOK_PUBLIC="false",
        ZG_INTAKE_WEBHOOK_RESOLVE_NAMES="false",
        # a day's patrol plan within 1 s of solving instead of 7
        ZG_PATROL_PLAN_TIME_LIMIT_S="1",
        # the deadline watch looks twice a second instead of every 15 s
        ZG_ROUTING_DEADLINE_WATCH_INTERVAL_S="0.5",
        # the street lights judged every 2 s, a problem a fault at once (not after 10 minutes)
        ZG_LIGHTING_EVALUATE_INTERVAL_S="2",
        ZG_LIGHTING_FAULT_AFTER_S="0",
    )
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zg_local",
                "run",
                "--port-offset",
                str(E2E_PORT_OFFSET),
                "--ready-file",
                str(ready),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env=env,
        )
        try:
            deadline = time.monotonic() + 240
            while not ready.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the platform did not start:\n"
                        + log_path.read_text(errors="replace")[-6000:]
                    )
                time.sleep(0.2)
            info = json.loads(ready.read_text())
            gateway = info["gateway"]
            # ready means every service reaches its database and broker (consumers started)
            while not platform_ready(gateway):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        "the platform did not become ready:\n" + log_path.read_text()[-6000:]
                    )
                time.sleep(0.3)
            yield Platform(gateway, info["services"], info["pids"], str(log_path))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                proc.kill()


LOG_START = pytest.StashKey[int]()
NOTEWORTHY = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback", "Error:")


@pytest.fixture(autouse=True)
def _platform_log_mark(request: pytest.FixtureRequest) -> None:
    """Remember where the platform log stood when the test began (see the report hook)."""
    log = TEST_DATA / "platform" / "platform.log"
    request.node.stash[LOG_START] = log.stat().st_size if log.exists() else 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed e2e test's report carries what the platform logged meanwhile that looks wrong
    (and its last lines), so that a failure on CI explains itself without the log file."""
    report = yield
    log = TEST_DATA / "platform" / "platform.log"
    if report.failed and call.when == "call" and log.exists():
        with log.open("rb") as f:
            f.seek(item.stash.get(LOG_START, 0))
            lines = f.read().decode(errors="replace").splitlines()
        flagged = [line for line in lines if any(mark in line for mark in NOTEWORTHY)]
        text = "\n".join(
            ["-- warnings and errors --", *flagged[-40:], "-- last lines --", *lines[-25:]]
        )
        report.sections.append(("platform log during the test", text))
    return report


def demo_credentials(platform: Platform) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (Path(platform.log).parent / "demo-credentials.json").read_text()
    )
    return document


# the resident's access token and when it was issued: reused for five minutes (it lives ten;
# a session-long token expired before the last tests of a long run)
_RESIDENT: list[tuple[float, str]] = []


@pytest.fixture
async def resident_token(platform: Platform) -> str:
    if not _RESIDENT or time.monotonic() - _RESIDENT[0][0] > 300:
        account = next(a for a in demo_credentials(platform)["accounts"] if a["role"] == "resident")
        async with httpx.AsyncClient(base_url=platform.gateway, timeout=15) as client:
            response = await client.post(
                "/api/v1/auth/login",
                json={"username": account["username"], "password": account["password"]},
            )
        assert response.status_code == 200, response.text
        _RESIDENT[:] = [(time.monotonic(), response.json()["access_token"])]
    return _RESIDENT[0][1]


@pytest.fixture
async def api(platform: Platform, resident_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway as the demo resident (the app's user who reports problems)."""
    headers = {"Authorization": f"Bearer {resident_token}"}
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=15, headers=headers) as client:
        yield client


@pytest.fixture
async def anon(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway without credentials."""
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=15) as client:
        yield client


@dataclass
class Receiver:
    """A partner's webhook endpoint: fails the first `failures` calls of each delivery id,
    then accepts it."""

    url: str = ""
    failures: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        state.calls.append({"headers": dict(request.headers), "body": body})
        delivery = request.headers.get("X-Zongguan-Delivery")
        tries = sum(c["headers"].get("X-Zongguan-Delivery") == delivery for c in state.calls)
        if tries <= state.failures:
            return web.Response(status=503)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield state
    finally:
        await runner.cleanup()
