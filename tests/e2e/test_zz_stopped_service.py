"""Runs after every other e2e module (file names sort it last): it stops a service for good."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.e2e.support import assert_problem
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


async def test_zz_stopped_service_gives_503_within_the_timeout(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, platform: Platform
) -> None:
    """Runs last in this module: it stops the scoring service for good."""
    # reachable (an anonymous caller is refused by the service itself) ...
    assert_problem(await anon.get("/api/v1/scores/departments"), 401, "authentication_required")
    os.kill(platform.pids["scoring"], signal.SIGKILL)

    async def gone() -> bool:
        try:
            await httpx.AsyncClient().get(platform.services["scoring"] + "/healthz", timeout=1)
            return False
        except httpx.TransportError:
            return True

    await eventually(gone, what="scoring to stop")
    started = time.monotonic()
    response = await anon.get("/api/v1/scores/departments")
    elapsed = time.monotonic() - started
    body = assert_problem(response, 503, "service_unavailable")
    assert "scoring" in body["detail"]
    assert elapsed < 5, f"took {elapsed:.1f}s, beyond the gateway's 5 s upstream timeout"
    # the rest of the platform still answers
    assert (await api.get("/api/v1/categories")).status_code == 200
    assert_problem(await api.get("/readyz"), 503, "service_unavailable")
