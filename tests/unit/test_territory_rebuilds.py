"""A burst of territory changes (a data-set version can bring many events at once) rebuilds a
process's in-memory copy once, not once per event; a change during a rebuild asks for the next
one; the follow loop does not rebuild again from a change the process already rebuilt from."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from zg_common import territory
from zg_common.territory import CopyFollower

NEWEST = datetime(2026, 11, 30, tzinfo=UTC)


def fake_sessions() -> Any:
    @contextlib.asynccontextmanager
    async def session() -> AsyncIterator[None]:
        yield None

    return session


@pytest.fixture(autouse=True)
def newest_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy's tables, as far as the follower asks them: their newest change."""

    async def newest(_session: Any, *_tables: Any) -> datetime:
        return NEWEST

    monkeypatch.setattr(territory, "newest_change", newest)


async def test_a_burst_of_changes_is_one_rebuild() -> None:
    rebuilt: list[int] = []
    slow = asyncio.Event()

    async def rebuild(_: Any) -> None:
        rebuilt.append(len(rebuilt))
        await slow.wait()

    follower = CopyFollower(fake_sessions(), (), rebuild, delay_s=0.05)
    for _ in range(1000):
        await follower.request()
    await asyncio.sleep(0.1)
    assert rebuilt == [0], "a thousand changes, one rebuild"
    await follower.request()  # a change committed while the rebuild runs
    slow.set()
    await asyncio.sleep(0.1)
    assert rebuilt == [0, 1], "it is not lost: the next rebuild comes"


async def test_the_loop_leaves_a_change_this_process_rebuilt_from() -> None:
    rebuilt: list[int] = []

    async def rebuild(_: Any) -> None:
        rebuilt.append(1)

    follower = CopyFollower(fake_sessions(), (), rebuild, delay_s=0.01)
    await follower.request()
    await asyncio.sleep(0.05)
    assert follower.seen == NEWEST and rebuilt == [1]
    loop = asyncio.create_task(follower.follow(0.01))
    await asyncio.sleep(0.1)
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    assert rebuilt == [1], "no second rebuild from the same change"


async def test_a_failing_rebuild_is_logged_not_raised(caplog: Any) -> None:
    async def rebuild(_: Any) -> None:
        raise RuntimeError("database gone")

    follower = CopyFollower(fake_sessions(), (), rebuild, delay_s=0.01)
    await follower.request()
    await asyncio.sleep(0.05)
    assert "territory copy rebuild failed" in caplog.text
