"""What every process of the platform watches about itself, around its own start-up and
shutdown: the collector's pauses and the frozen start-up heap (`zg_common.heap`), and how late
its event loop runs (`zg_common.loopwatch`). `create_base_app` wraps each app's lifespan with
it, so the services and the gateway do it one way."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from zg_common import heap, loopwatch

Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]


def watched(lifespan: Lifespan) -> Lifespan:
    """`lifespan` with the collector observed from the start, the loop's lateness watched while
    the app runs, and the heap settled once its start-up is done (before the first request)."""

    @asynccontextmanager
    async def with_vitals(app: Any) -> AsyncIterator[None]:
        heap.watch()
        async with lifespan(app):
            watcher = asyncio.create_task(loopwatch.watch())
            heap.settle_once()
            try:
                yield
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    return with_vitals
