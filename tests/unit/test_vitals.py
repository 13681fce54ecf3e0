"""Every app's lifespan is wrapped with the process's vitals (`zg_common.vitals`): the collector
observed, the heap settled once start-up is done, the loop's lateness watched while it runs."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from prometheus_client import REGISTRY

from zg_common import heap, vitals


def watchers() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "watch"]


def lag_observations() -> float:
    return REGISTRY.get_sample_value("zg_event_loop_lag_seconds_count") or 0.0


async def test_the_wrapped_lifespan_settles_after_start_up_and_watches_while_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps: list[str] = []
    monkeypatch.setattr(heap, "settle_once", lambda: steps.append("settled"))

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        steps.append("started")
        yield
        steps.append("stopped")

    gc.callbacks[:] = [c for c in gc.callbacks if c is not heap._observe]
    before = lag_observations()
    async with vitals.watched(lifespan)(object()):
        assert steps == ["started", "settled"]  # after the app's own start-up, before requests
        assert heap._observe in gc.callbacks
        assert len(watchers()) == 1
        await asyncio.sleep(0.2)
        assert lag_observations() >= before + 2  # the watcher runs while the app does
    assert steps == ["started", "settled", "stopped"]
    assert watchers() == []  # and stops with it


async def test_a_start_up_that_fails_leaves_nothing_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heap, "settle_once", lambda: pytest.fail("settled a failed start"))

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield

    with pytest.raises(RuntimeError, match="no database"):
        async with vitals.watched(lifespan)(object()):
            pass
    assert watchers() == []


async def test_with_a_metrics_port_the_metrics_leave_the_app_s_port() -> None:
    import urllib.error
    import urllib.request

    import httpx

    from tests.helpers import free_port
    from zg_common.app import create_base_app
    from zg_common.settings import CommonSettings

    port = free_port()

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield

    def scrape() -> bytes:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return bytes(response.read())

    settings = CommonSettings(metrics_port=port)
    app = create_base_app(
        settings, name="t", title="t", description="t", version="0", lifespan=lifespan
    )
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with client:
            assert (await client.get("/metrics")).status_code == 404  # not on the public port
            assert (await client.get("/healthz")).status_code == 200
        assert b"zg_event_loop_lag_seconds" in await asyncio.to_thread(scrape)
    with pytest.raises(urllib.error.URLError):
        await asyncio.to_thread(scrape)  # closed with the app

    default = create_base_app(
        CommonSettings(), name="t", title="t", description="t", version="0", lifespan=lifespan
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=default), base_url="http://t")
    async with client:
        assert (await client.get("/metrics")).status_code == 200  # make run: on the app's port
