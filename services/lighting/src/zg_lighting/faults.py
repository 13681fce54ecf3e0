"""The lights judged against their reports and the schedule, and the faults that become cases:
one per dead circuit (half of its lights out, at least three: a breaker, a cable, a cabinet —
one case, not forty; intake's 20 m merge radius could not tell), otherwise one per pole. A
problem must last `ZG_LIGHTING_FAULT_AFTER_S` before it is a fault. A circuit that is no
longer dead, or a pole that reports healthy, clears its fault: routing then passes the case's
check as the system. One replica judges at a time (an advisory lock)."""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.lighting import FaultCleared, FaultRaised, FaultScope
from zg_common.db import exclusive, unit_of_work
from zg_lighting.models import Circuit, Fault, Light, outbox
from zg_lighting.runtime import LightingRuntime
from zg_lighting.schedule import Desired, Schedule

# the platform's fault codes by what the case says (C0109's `fault`); any other code: off
FLICKER = frozenset({"flicker"})
DAMAGED = frozenset({"damaged", "pole_damaged", "lamp_broken", "pole_tilted"})
SWITCHING_MARGIN = timedelta(minutes=5)  # around a switching time the lights are not judged
KEEP = "keep"


@dataclass(frozen=True)
class Rules:
    fault_after: timedelta
    dead_share: float
    dead_min: int
    stale: timedelta


def problem_of(
    light: Light, desired: Desired, *, judged: bool, stale: timedelta, now: datetime
) -> str | None:
    """What is wrong with the light now; KEEP when it cannot be told (no recent report)."""
    if light.reported_at is None or now - light.reported_at > stale:
        return KEEP
    if light.fault_code:
        if light.fault_code in FLICKER:
            return "flicker"
        return "damaged" if light.fault_code in DAMAGED else "off"
    if not judged:
        return KEEP  # switching now: a light a minute late is not a fault
    if desired != "off" and light.state == "off":
        return "off"
    if desired == "off" and light.state in ("on", "dimmed"):
        return "on_by_day"
    return None


def dead(out: int, lights: int, rules: Rules) -> bool:
    return out >= max(rules.dead_min, math.ceil(rules.dead_share * lights))


async def evaluate(
    session: AsyncSession, *, schedule: Schedule, rules: Rules, now: datetime
) -> tuple[int, int]:
    """Judge every light, open the faults now due and clear those healed: (opened, cleared)."""
    lights = list(await session.scalars(select(Light).order_by(Light.id).with_for_update()))
    circuits = {c.id: c for c in await session.scalars(select(Circuit))}
    desired = schedule.desired(now)
    judged = schedule.settled(now, SWITCHING_MARGIN)
    for light in lights:
        problem = problem_of(light, desired, judged=judged, stale=rules.stale, now=now)
        if problem == KEEP or problem == light.problem:
            continue
        light.problem, light.problem_since = problem, (now if problem else None)
    ripe = [
        light
        for light in lights
        if light.problem is not None
        and light.problem_since is not None
        and now - light.problem_since >= rules.fault_after
    ]
    by_circuit: dict[str, list[Light]] = defaultdict(list)
    for light in lights:
        by_circuit[light.circuit_id].append(light)
    out = defaultdict(list)
    for light in ripe:
        if light.problem == "off":
            out[light.circuit_id].append(light)
    dead_circuits = {c for c, ls in out.items() if dead(len(ls), len(by_circuit[c]), rules)}
    open_faults = {
        (f.scope, f.target): f
        for f in await session.scalars(
            select(Fault).where(Fault.cleared_at.is_(None)).order_by(Fault.id).with_for_update()
        )
    }
    opened = cleared = 0
    for cid in sorted(by_circuit):
        fault = open_faults.get((FaultScope.CIRCUIT, cid))
        if cid in dead_circuits and fault is None:
            await _open(
                session, circuits[cid], out[cid], scope=FaultScope.CIRCUIT, kind="off", now=now
            )
            opened += 1
        elif cid not in dead_circuits and fault is not None:
            await _clear(session, fault, now=now)
            cleared += 1
    problems = {light.id: light for light in ripe}
    by_id = {light.id: light for light in lights}
    for light in ripe:
        if light.circuit_id in dead_circuits or (FaultScope.POLE, light.id) in open_faults:
            continue
        await _open(
            session,
            circuits[light.circuit_id],
            [light],
            scope=FaultScope.POLE,
            kind=str(light.problem),
            now=now,
        )
        opened += 1
    for (scope, target), fault in sorted(open_faults.items()):
        if scope == FaultScope.POLE and target not in problems:
            light_now = by_id.get(target)
            if light_now is not None and light_now.problem is None:
                await _clear(session, fault, now=now)
                cleared += 1
    return opened, cleared


async def _open(
    session: AsyncSession,
    circuit: Circuit,
    lights: list[Light],
    *,
    scope: FaultScope,
    kind: str,
    now: datetime,
) -> None:
    target = circuit.id if scope == FaultScope.CIRCUIT else lights[0].id
    fault_id = f"{target}:{now.strftime('%Y%m%dT%H%M%S')}"
    where = sorted(lights, key=lambda x: x.id)[len(lights) // 2]  # the middle of the outage
    session.add(
        Fault(
            id=fault_id,
            scope=scope.value,
            target=target,
            circuit_id=circuit.id,
            kind=kind,
            lights=len(lights),
            opened_at=now,
        )
    )
    if scope == FaultScope.CIRCUIT:
        description = f"{circuit.name} ({circuit.id}, {circuit.road}): {len(lights)} lights out"
    else:
        description = f"{where.pole} ({where.id}, {circuit.name}): {kind}"
    await outbox.add(
        session,
        FaultRaised(
            fault_id=fault_id,
            scope=scope,
            circuit_id=circuit.id,
            light_id=None if scope == FaultScope.CIRCUIT else where.id,
            kind=kind,
            lights=len(lights),
            lat=where.lat,
            lon=where.lon,
            grid_id=where.grid_id,
            description=description,
            detected_at=now,
        ),
        subject=target,
    )


async def _clear(session: AsyncSession, fault: Fault, *, now: datetime) -> None:
    fault.cleared_at = now
    await outbox.add(
        session,
        FaultCleared(
            fault_id=fault.id,
            scope=fault.scope,
            circuit_id=fault.circuit_id,
            light_id=fault.target if fault.scope == FaultScope.POLE else None,
            cleared_at=now,
        ),
        subject=fault.target,
    )


def rules_of(runtime: LightingRuntime) -> Rules:
    s = runtime.settings
    return Rules(
        fault_after=timedelta(seconds=s.fault_after_s),
        dead_share=s.dead_circuit_share,
        dead_min=s.dead_circuit_min,
        stale=timedelta(seconds=s.report_stale_s),
    )


async def watch(runtime: LightingRuntime) -> None:
    rules = rules_of(runtime)
    while True:
        async with exclusive(runtime.sessions, "lighting.evaluate") as mine:
            if mine:
                async with unit_of_work(runtime.sessions) as session:
                    await evaluate(
                        session, schedule=runtime.state.schedule, rules=rules, now=datetime.now(UTC)
                    )
        await asyncio.sleep(runtime.settings.evaluate_interval_s)
