"""Faults under steady load through both gateways (reliability issue's proof): each test breaks
something while residents keep reporting, then checks the invariants (invariants.py) over
every case accepted since the session began. They run in file order on one platform: each
also proves the platform came back from the faults before it."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from tests.chaos.conftest import Run
from tests.chaos.harness import SERVICES
from tests.chaos.invariants import check

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(900)]

STEADY_S = 5  # load on the platform between two faults


async def holds(run: Run, what: str) -> None:
    started = time.monotonic()
    problems = await check(run.load, run.chaos.infra.database_url, run.chaos.infra.kafka.bootstrap)
    print(f"after {what}: {run.load.summary()} (checked in {time.monotonic() - started:.0f} s)")
    assert problems == [], "\n".join(problems[:40])


async def test_a_service_killed_in_turn_comes_back_and_loses_nothing(run: Run) -> None:
    """kill -9 each service and the gateway of one replica (the other keeps serving); the
    supervisor starts it again."""
    await asyncio.sleep(STEADY_S)
    for name in (*SERVICES, "gateway"):
        run.load.phase = f"kill {name}"
        await run.chaos.replicas[0].kill(name)
        await asyncio.sleep(STEADY_S)
    await holds(run, "kill -9 of each service")


async def test_the_broker_stopped_for_a_minute(run: Run) -> None:
    """Cases are still accepted (the outboxes hold them) and all go out once it is back."""
    run.load.phase = "broker stopped"
    accepted_before = len(run.load.accepted)
    await run.chaos.infra.stop("kafka", signal.SIGTERM)
    await asyncio.sleep(60)
    assert len(run.load.accepted) > accepted_before, "no case accepted while the broker was away"
    run.load.phase = "broker back"
    await run.chaos.infra.start_kafka()
    await asyncio.sleep(STEADY_S)
    await holds(run, "the broker stopped for 60 s")


@pytest.mark.parametrize(("mode", "sig"), [("fast", signal.SIGINT), ("immediate", signal.SIGQUIT)])
async def test_postgresql_restarted(run: Run, mode: str, sig: signal.Signals) -> None:
    """pg_ctl restart -m fast / -m immediate (the same signals to the postmaster): requests
    meanwhile get 503 problems with Retry-After, nothing a 500, nothing lost."""
    run.load.phase = f"postgres {mode} restart"
    await run.chaos.infra.stop("postgres", sig)
    await run.chaos.infra.start_postgres()
    run.load.phase = f"postgres back ({mode})"
    await asyncio.sleep(STEADY_S * 2)
    await holds(run, f"a {mode} restart of PostgreSQL")


async def test_a_power_cut_then_make_run_again(run: Run) -> None:
    """SIGKILL to every process at once (supervisors, services, gateways, database, broker),
    then everything started again on the same folders."""
    run.load.phase = "power cut"
    run.chaos.power_cut()
    await asyncio.sleep(2)
    await run.chaos.start()
    run.load.phase = "after the power cut"
    await asyncio.sleep(STEADY_S * 2)
    await run.load.stop()
    assert run.load.unresolved == set(), f"{len(run.load.unresolved)} reports never answered"
    assert run.load.refused == [], run.load.refused[:10]
    await holds(run, "a power cut")
    print(f"answers by phase:\n{run.load.by_phase()}")
