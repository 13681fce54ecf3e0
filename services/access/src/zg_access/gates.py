"""The gates: card swipes and heartbeats from the access-control vendor (in batches), each
gate's status (silent when not heard from in time), and the alerts that become cases in
intake: refused swipes of cancelled or unknown cards over the threshold within the window,
and a gate that stopped reporting. Events carry gates, compounds and counts, never a card."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_access import repository
from zg_access.models import Card, Gate, GateAlert, Swipe, outbox
from zg_access.runtime import AccessRuntime
from zg_access.schemas import GateBeatIn, ItemRefusal, SwipeIn
from zg_common.contracts.access import GateAlertKind, GateAlertRaised, GateStatusChanged
from zg_common.db import unit_of_work
from zg_common.identity import Identity

CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=2)  # a vendor's backlog after an outage is still taken
BATCH = 200
REFUSED_CATEGORY = "E0703"  # 异常刷卡
SILENT_CATEGORY = "C0603"  # 门禁设施


@dataclass(frozen=True)
class Thresholds:
    refused: int
    window: timedelta


def refusal_of(card: Card | None, gate: Gate) -> str | None:
    """Why a swipe counts as refused whatever the gate did: the card is unknown, cancelled, or
    of another compound (None: a living resident's card at their compound's gate)."""
    if card is None:
        return "unknown"
    if card.status != "active":
        return "cancelled"
    if card.compound_id != gate.compound_id:
        return "other_compound"
    return None


async def _gates(session: AsyncSession, ids: Sequence[str]) -> dict[str, Gate]:
    found = await session.scalars(
        select(Gate).where(Gate.id.in_(sorted(set(ids)))).order_by(Gate.id).with_for_update()
    )
    return {g.id: g for g in found}


def _check(
    index: int,
    gate_id: str,
    at: datetime,
    gates: dict[str, Gate],
    caller: Identity,
    now: datetime,
) -> ItemRefusal | None:
    gate = gates.get(gate_id)
    if gate is None:
        return ItemRefusal(index=index, code="unknown_gate", message=f"no gate {gate_id}")
    if gate.compound_id not in caller.compound_ids:
        return ItemRefusal(
            index=index, code="compound_forbidden", message="not a gate of this key's compounds"
        )
    if at > now + CLOCK_SKEW or at < now - MAX_AGE:
        return ItemRefusal(
            index=index, code="stale_or_future", message="in the future or over two days old"
        )
    return None


async def _heard(session: AsyncSession, gate: Gate, at: datetime) -> None:
    if gate.last_heard_at is None or at > gate.last_heard_at:
        gate.last_heard_at = at
    if gate.status != "online":
        await _set_status(session, gate, "online", at=max(at, gate.status_since))


async def _set_status(session: AsyncSession, gate: Gate, status: str, *, at: datetime) -> None:
    await outbox.add(
        session,
        GateStatusChanged(
            gate_id=gate.id,
            compound_id=gate.compound_id,
            grid_id=gate.grid_id,
            from_status=gate.status,
            to_status=status,
            at=at,
        ),
        subject=gate.id,
    )
    gate.status, gate.status_since = status, at


async def receive_swipes(
    session: AsyncSession,
    caller: Identity,
    swipes: list[SwipeIn],
    *,
    thresholds: Thresholds,
    now: datetime,
) -> tuple[int, list[ItemRefusal], int]:
    """Record a batch of swipes (a swipe sent again is taken once); how many were taken, the
    refusals, how many taken were of cards the platform refuses. A gate over the threshold of
    refused swipes raises an alert."""
    gates = await _gates(session, [s.gate_id for s in swipes])
    cards = await repository.cards_by_number(session, [s.card_number for s in swipes])
    refused: list[ItemRefusal] = []
    rows: list[dict[str, object]] = []
    latest: dict[str, datetime] = {}  # a swipe sent again still says that its gate is alive
    for n, swipe in enumerate(swipes):
        problem = _check(n, swipe.gate_id, swipe.at, gates, caller, now)
        if problem is not None:
            refused.append(problem)
            continue
        gate = gates[swipe.gate_id]
        latest[gate.id] = max(swipe.at, latest.get(gate.id, swipe.at))
        rows.append(
            {
                "gate_id": gate.id,
                "card_number": swipe.card_number,
                "at": swipe.at,
                "direction": swipe.direction,
                "accepted": swipe.accepted,
                "refusal": refusal_of(cards.get(swipe.card_number), gate),
                "vendor_ref": f"{caller.sub}:{swipe.ref}"[:100],
            }
        )
    if not rows:
        return 0, refused, 0
    inserted = [
        (gate_id, refusal)
        for gate_id, refusal in await session.execute(
            pg_insert(Swipe)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["vendor_ref"])
            .returning(Swipe.gate_id, Swipe.refusal)
        )
    ]
    for gate_id in sorted(latest):
        await _heard(session, gates[gate_id], latest[gate_id])
    for gate_id in sorted({g for g, refusal in inserted if refusal is not None}):
        await _alert_if_over(session, gates[gate_id], thresholds=thresholds, now=now)
    return len(rows), refused, sum(1 for _, refusal in inserted if refusal is not None)


async def _alert_if_over(
    session: AsyncSession, gate: Gate, *, thresholds: Thresholds, now: datetime
) -> None:
    since = now - thresholds.window
    if gate.alerted_at is not None and gate.alerted_at > since:
        return  # one alert per gate and window
    count = await repository.refused_since(session, gate.id, since)
    if count < thresholds.refused:
        return
    minutes = int(thresholds.window.total_seconds() // 60)
    await _raise(
        session,
        gate,
        kind=GateAlertKind.REFUSED_SWIPES,
        category=REFUSED_CATEGORY,
        refused=count,
        window_minutes=minutes,
        description=(
            f"{count} swipes of cancelled or unknown cards at {gate.name} ({gate.id}) within "
            f"{minutes} minutes"
        ),
        now=now,
    )
    gate.alerted_at = now


async def _raise(
    session: AsyncSession,
    gate: Gate,
    *,
    kind: GateAlertKind,
    category: str,
    description: str,
    now: datetime,
    refused: int = 0,
    window_minutes: int = 0,
) -> None:
    alert_id = f"{gate.id}:{kind.value}:{now.strftime('%Y%m%dT%H%M%S')}"
    session.add(
        GateAlert(
            id=alert_id, gate_id=gate.id, kind=kind.value, refused_swipes=refused, raised_at=now
        )
    )
    await outbox.add(
        session,
        GateAlertRaised(
            alert_id=alert_id,
            kind=kind,
            category=category,
            gate_id=gate.id,
            compound_id=gate.compound_id,
            grid_id=gate.grid_id,
            lat=gate.lat,
            lon=gate.lon,
            refused_swipes=refused,
            window_minutes=window_minutes,
            detected_at=now,
            description=description,
        ),
        subject=gate.id,
    )


async def receive_beats(
    session: AsyncSession, caller: Identity, beats: list[GateBeatIn], *, now: datetime
) -> tuple[int, list[ItemRefusal]]:
    gates = await _gates(session, [b.gate_id for b in beats])
    refused: list[ItemRefusal] = []
    taken = 0
    for n, beat in sorted(enumerate(beats), key=lambda item: item[1].at):
        problem = _check(n, beat.gate_id, beat.at, gates, caller, now)
        if problem is not None:
            refused.append(problem)
            continue
        await _heard(session, gates[beat.gate_id], beat.at)
        taken += 1
    return taken, sorted(refused, key=lambda r: r.index)


async def mark_silent(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, after: timedelta
) -> int:
    """Gates not heard from within the timeout go silent and ask for a case (once; replicas
    share the work)."""
    async with unit_of_work(sessions) as session:
        silent = list(
            await session.scalars(
                select(Gate)
                .where(Gate.status == "online", Gate.last_heard_at < now - after)
                .order_by(Gate.last_heard_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        for gate in silent:
            await _set_status(session, gate, "silent", at=now)
            minutes = int(after.total_seconds() // 60)
            await _raise(
                session,
                gate,
                kind=GateAlertKind.GATE_SILENT,
                category=SILENT_CATEGORY,
                description=f"{gate.name} ({gate.id}) has sent nothing for {minutes} minutes",
                now=now,
            )
        return len(silent)


async def watch(runtime: AccessRuntime) -> None:
    settings = runtime.settings
    after = timedelta(seconds=settings.gate_silent_after_s)
    while True:
        if await mark_silent(runtime.sessions, now=datetime.now(UTC), after=after) < BATCH:
            await asyncio.sleep(settings.watch_interval_s)
