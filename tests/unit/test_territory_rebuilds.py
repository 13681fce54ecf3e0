"""A burst of territory changes (a data-set version: a thousand events) rebuilds a process's
in-memory copy once, not once per event; a change during a rebuild asks for the next one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from zg_common.territory import Rebuilds


def fake_sessions() -> Any:
    @contextlib.asynccontextmanager
    async def session() -> AsyncIterator[None]:
        yield None

    return session


async def test_a_burst_of_changes_is_one_rebuild() -> None:
    rebuilt: list[int] = []
    slow = asyncio.Event()

    async def rebuild(_: Any) -> None:
        rebuilt.append(len(rebuilt))
        await slow.wait()

    rebuilds = Rebuilds(fake_sessions(), rebuild, delay_s=0.05)
    for _ in range(1000):
        await rebuilds.request()
    await asyncio.sleep(0.1)
    assert rebuilt == [0], "a thousand changes, one rebuild"
    await rebuilds.request()  # a change committed while the rebuild runs
    slow.set()
    await asyncio.sleep(0.1)
    assert rebuilt == [0, 1], "it is not lost: the next rebuild comes"


async def test_a_failing_rebuild_is_logged_not_raised(caplog: Any) -> None:
    async def rebuild(_: Any) -> None:
        raise RuntimeError("database gone")

    rebuilds = Rebuilds(fake_sessions(), rebuild, delay_s=0.01)
    await rebuilds.request()
    await asyncio.sleep(0.05)
    assert "territory copy rebuild failed" in caplog.text
