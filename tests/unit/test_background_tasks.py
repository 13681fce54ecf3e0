"""A service's background loops come back after a failure, with a pause that grows while they
keep failing and starts small again after a healthy run."""

from __future__ import annotations

import asyncio

import pytest

from zg_common import app


async def test_the_pause_doubles_while_failing_and_resets_after_a_healthy_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pauses: list[float] = []
    real_sleep = asyncio.sleep

    async def no_wait(delay: float) -> None:
        pauses.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(app, "HEALTHY_RUN_S", 0.2)
    monkeypatch.setattr(asyncio, "sleep", no_wait)
    runs = iter(["fail", "fail", "fail", "long then fail", "fail", "done"])

    async def loop() -> None:
        run = next(runs)
        if run == "done":
            return
        if run.startswith("long"):
            await real_sleep(0.25)  # the loop ran longer than a healthy run
        raise RuntimeError(run)

    await asyncio.wait_for(app.keep_running("test", loop), timeout=5)
    assert pauses == [1.0, 2.0, 4.0, 1.0, 2.0]
