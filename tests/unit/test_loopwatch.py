"""The event loop's lateness is observed (`zg_common.loopwatch`)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from prometheus_client import REGISTRY

from zg_common import loopwatch


def late_over(seconds: float) -> float:
    """How many observations were later than `seconds` (a bucket bound)."""
    total = REGISTRY.get_sample_value("zg_event_loop_lag_seconds_count") or 0.0
    within = REGISTRY.get_sample_value("zg_event_loop_lag_seconds_bucket", {"le": str(seconds)})
    return total - (within or 0.0)


async def test_a_loop_held_by_blocking_work_is_seen_late() -> None:
    before = late_over(0.1)
    watcher = asyncio.create_task(loopwatch.watch(interval=0.01))
    try:
        await asyncio.sleep(0.05)  # the watcher's timer is set
        time.sleep(0.3)  # noqa: ASYNC251 - the point: the loop held for 0.3 s
        await asyncio.sleep(0.05)  # the late timer fires and is observed
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    assert late_over(0.1) >= before + 1
