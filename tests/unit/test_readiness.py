"""What a service's `/readyz` says (zg_common.readiness): the broker away is no reason to be
unready (the outbox holds the events), a stuck relay and a crash-looping task are."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

from zg_common.readiness import CRASH_LOOP, Failures, check


class Connection:
    def __init__(self, up: bool) -> None:
        self.up = up

    async def execute(self, statement: Any) -> None:
        if not self.up:
            raise OSError("connection refused")


def runtime(
    *,
    database: bool = True,
    broker: bool = True,
    started: bool = True,
    tries: int = 0,
    joined: bool = True,
    backlog_s: float = 0.0,
) -> Any:
    @contextlib.asynccontextmanager
    async def connect() -> AsyncIterator[Connection]:
        yield Connection(database)

    async def metadata() -> bool:
        if not broker:
            raise OSError("no broker")
        return True

    async def backlog_age() -> float:
        return backlog_s

    ready = asyncio.Event()
    if started:
        ready.set()
    return SimpleNamespace(
        engine=SimpleNamespace(connect=connect),
        producer=SimpleNamespace(client=SimpleNamespace(force_metadata_update=metadata)),
        messaging_ready=ready,
        broker_tries=tries,
        consumers=[SimpleNamespace(joined=joined)],
        relay=SimpleNamespace(backlog_age=backlog_age),
        failures=Failures(),
    )


async def test_all_well_is_ready() -> None:
    ready, checks, why = await check(runtime())
    assert ready and why == [] and checks["broker"] and checks["outbox_backlog_s"] == 0


async def test_the_broker_away_is_no_reason_to_be_unready() -> None:
    """Intake keeps taking cases: their events wait in the outbox."""
    down = runtime(broker=False, joined=False)
    assert (await check(down))[0], "it was up, it went away"
    never = runtime(broker=False, started=False, tries=3, joined=False)
    assert (await check(never))[0], "it did not answer since the start"


async def test_starting_up_is_not_ready_until_the_consumers_join() -> None:
    ready, _, why = await check(runtime(started=False, joined=False))
    assert not ready and why == ["consumers not in their groups yet"]


async def test_no_database_is_not_ready() -> None:
    ready, _, why = await check(runtime(database=False))
    assert not ready and why == ["database unreachable"]


async def test_a_stuck_relay_is_not_ready_a_waiting_one_is() -> None:
    ready, _, why = await check(runtime(backlog_s=120))
    assert not ready and "the outbox relay is stuck" in why[0]
    waiting = runtime(broker=False, backlog_s=120)
    assert (await check(waiting))[0], "the broker away: the backlog waits for it"


async def test_a_crash_looping_task_is_not_ready() -> None:
    looping = runtime()
    for _ in range(CRASH_LOOP - 1):
        looping.failures.record("intake.case-status")
    assert (await check(looping))[0], "a failure or two: restarted, still ready"
    looping.failures.record("intake.case-status")
    ready, checks, why = await check(looping)
    assert not ready and checks["crash_looping"] == ["intake.case-status"]
    assert why == ["crash-looping: intake.case-status"]
