"""What every process of the platform watches about itself, around its own start-up and
shutdown: the collector's pauses and the frozen start-up heap (`zg_common.heap`), how late its
event loop runs (`zg_common.loopwatch`), and — with `ZG_METRICS_PORT` — its Prometheus metrics
on a port of their own (kept off the public port: in compose and the chart only Prometheus
reaches it). `create_base_app` wraps each app's lifespan with it, so the services and the
gateway do it one way."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from prometheus_client import start_http_server

from zg_common import heap, loopwatch

Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]


def watched(lifespan: Lifespan, *, metrics_port: int | None = None) -> Lifespan:
    """`lifespan` with the collector observed from the start, the loop's lateness watched while
    the app runs, the heap settled once its start-up is done (before the first request), and
    the metrics served on `metrics_port` while it runs (when given)."""

    @asynccontextmanager
    async def with_vitals(app: Any) -> AsyncIterator[None]:
        heap.watch()
        async with contextlib.AsyncExitStack() as stack:
            if metrics_port is not None:
                server, _ = start_http_server(metrics_port)
                stack.callback(server.server_close)
                stack.callback(server.shutdown)
            await stack.enter_async_context(lifespan(app))
            watcher = asyncio.create_task(loopwatch.watch())
            heap.settle_once()
            try:
                yield
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    return with_vitals
