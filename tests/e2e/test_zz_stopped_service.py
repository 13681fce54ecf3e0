"""Runs after every other e2e module (file names sort it last): it kills a service, which the
gateway answers for with 503 until the supervisor has started it again."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.e2e.support import assert_problem, login
from tests.helpers import eventually
from zg_local.readiness import platform_ready

pytestmark = pytest.mark.e2e


async def test_zz_a_killed_service_is_503_until_the_supervisor_restarts_it(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    """Scoring killed: 503 at once (not after a timeout), the rest answers, and the supervisor
    starts scoring again (after 2 s)."""
    manager = await login(anon, platform, "manager")
    assert (await anon.get("/api/v1/scores/departments", headers=manager)).status_code == 200
    os.kill(platform.pids["scoring"], signal.SIGKILL)

    async def gone() -> bool:
        try:
            await httpx.AsyncClient().get(platform.services["scoring"] + "/healthz", timeout=1)
            return False
        except httpx.TransportError:
            return True

    await eventually(gone, what="scoring to stop")
    started = time.monotonic()
    response = await anon.get("/api/v1/scores/departments", headers=manager)
    elapsed = time.monotonic() - started
    body = assert_problem(response, 503, "service_unavailable")
    assert "scoring" in body["detail"]
    assert elapsed < 5, f"took {elapsed:.1f}s: a timeout, not a refused connection (10 s)"
    # the rest of the platform still answers
    assert (await api.get("/api/v1/categories")).status_code == 200
    # the gateway stays ready (it serves everything else) and says which service is down
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["services"]["scoring"] is False

    async def back() -> bool:
        return await asyncio.to_thread(platform_ready, platform.gateway)

    await eventually(back, timeout=90, interval=0.5, what="the supervisor to restart scoring")
    assert (await api.get("/api/v1/scores/departments")).status_code == 403  # a resident


async def test_zz_a_service_killed_with_worker_processes_is_restarted_and_they_are_cleared(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    """Patrol has run its solver pool (the day's plan it makes at start): killed, it is
    restarted like any service, and its pool's processes (which held its output pipe) do not
    outlive it."""
    pid = platform.pids["patrol"]
    assert os.getpgid(pid) == pid, "each service leads its own process group"
    os.kill(pid, signal.SIGKILL)

    async def restarted() -> bool:
        return await asyncio.to_thread(platform_ready, platform.gateway) and _group_gone(pid)

    await eventually(restarted, timeout=90, interval=0.5, what="patrol restarted, no leftovers")
    assert (await api.get("/api/v1/zone-types")).status_code == 200


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False
