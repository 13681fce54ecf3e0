"""A service's shutdown: its background tasks cancelled, its producer stopped (bounded), its
clients closed, its pool disposed — and all of it within a deadline, past which the process
leaves (a client stuck with the broker gone would otherwise keep the process, and PostgreSQL
waiting for its connections, long after it was asked to stop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


async def service(runtime: Any, producer_stop_s: float) -> None:
    """Stop what `zg_common.app` started for a service (`runtime`: its Runtime)."""
    for task in reversed(runtime.tasks):
        task.cancel()
    for task in runtime.tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    with contextlib.suppress(Exception):
        # bounded: with the broker away, a flush would wait for its timeouts
        await asyncio.wait_for(runtime.producer.stop(), producer_stop_s)
    try:
        await runtime.cleanup.aclose()
    except Exception:
        log.exception("clean-up at shutdown failed")
    await runtime.engine.dispose()


async def within(
    deadline_s: float, work: Coroutine[Any, Any, None], *, leave: Callable[[int], Any] = os._exit
) -> None:
    """Run `work`; leave the process (`leave(1)`) when it passes `deadline_s`."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=deadline_s)
    if not done:
        log.error("shutdown passed its deadline; leaving now", extra={"deadline_s": deadline_s})
        logging.shutdown()
        leave(1)
        return
    task.result()
