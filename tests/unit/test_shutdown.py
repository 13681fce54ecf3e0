"""A service's shutdown has a deadline: past it the process leaves, instead of hanging with a
client stuck on a broker that is gone (and PostgreSQL waiting for its connections)."""

from __future__ import annotations

import asyncio

import pytest

from zg_common import shutdown


async def test_a_shutdown_that_hangs_leaves_at_its_deadline() -> None:
    left: list[int] = []
    released = asyncio.Event()

    async def stuck() -> None:
        await released.wait()  # a client waiting on a broker that is gone

    await shutdown.within(0.2, stuck(), leave=left.append)
    assert left == [1]
    released.set()  # (the process would be gone; here the test lets it end)


async def test_a_shutdown_in_time_ends_normally_and_its_errors_show() -> None:
    left: list[int] = []
    finished: list[bool] = []

    async def quick() -> None:
        finished.append(True)

    await shutdown.within(5, quick(), leave=left.append)
    assert finished == [True] and left == []

    async def failing() -> None:
        raise RuntimeError("a clean-up failed")

    with pytest.raises(RuntimeError):
        await shutdown.within(5, failing(), leave=left.append)
    assert left == []
