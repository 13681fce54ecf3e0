"""The gates against the real database, with the clock moved: a gate heard from and then silent
past the timeout goes silent once and asks for one case; refused swipes over the threshold ask
for one case per window, and again in the next window; a swipe sent twice is taken once; a
key's swipes at another compound's gate are refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.conftest import REPO, Infra
from tests.integration.conftest import service_database
from zg_access import gates, refdata
from zg_access.models import Gate
from zg_access.schemas import GateBeatIn, SwipeIn
from zg_common.db import unit_of_work
from zg_common.identity import Identity

pytestmark = pytest.mark.integration

VENDOR = Identity(sub="key:vendor", role="partner", compound_ids=("CP001", "CP002"))
THRESHOLDS = gates.Thresholds(refused=5, window=timedelta(minutes=30))


@pytest.fixture(scope="module")
async def access_engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    async with service_database(infra, "access", "zg_access_gates") as engine:
        compounds = json.loads((REPO / "deploy/data/fangxing/compounds.json").read_text())
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with unit_of_work(sessions) as session:
            await refdata.load_compounds(session, compounds)
        yield engine


async def outbox(engine: AsyncEngine, event_type: str, gate_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT payload FROM access.outbox WHERE event_type = :t ORDER BY seq"),
            {"t": event_type},
        )
        return [p["data"] for (p,) in rows if p["data"]["gate_id"] == gate_id]


def swipes(gate_id: str, card: str, at: datetime, n: int, tag: str) -> list[SwipeIn]:
    return [
        SwipeIn(
            ref=f"{tag}-{i}",
            gate_id=gate_id,
            card_number=card,
            at=at + timedelta(seconds=i),
            accepted=False,
        )
        for i in range(n)
    ]


async def test_a_gate_heard_from_then_silent_asks_for_one_case(access_engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(access_engine, expire_on_commit=False)
    start = datetime.now(UTC)
    async with unit_of_work(sessions) as session:
        taken, refused = await gates.receive_beats(
            session, VENDOR, [GateBeatIn(gate_id="CP001-G2", at=start)], now=start
        )
    assert (taken, refused) == (1, [])
    after = timedelta(minutes=30)
    # not yet silent a minute before the timeout, silent after it, and once only
    await gates.mark_silent(sessions, now=start + after - timedelta(minutes=1), after=after)
    for minutes in (31, 45, 90):
        await gates.mark_silent(sessions, now=start + timedelta(minutes=minutes), after=after)
    alerts = await outbox(access_engine, "access.gate.alert_raised.v1", "CP001-G2")
    assert [(a["kind"], a["category"]) for a in alerts] == [("gate_silent", "C0603")]
    changes = await outbox(access_engine, "access.gate.status_changed.v1", "CP001-G2")
    assert [(c["from_status"], c["to_status"]) for c in changes] == [
        ("unknown", "online"),
        ("online", "silent"),
    ]
    # heard from again: online, and a later silence is a new case
    again = start + timedelta(minutes=95)
    async with unit_of_work(sessions) as session:
        await gates.receive_beats(
            session, VENDOR, [GateBeatIn(gate_id="CP001-G2", at=again)], now=again
        )
    await gates.mark_silent(sessions, now=again + timedelta(minutes=31), after=after)
    assert len(await outbox(access_engine, "access.gate.alert_raised.v1", "CP001-G2")) == 2


async def test_refused_swipes_ask_for_one_case_per_window(access_engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(access_engine, expire_on_commit=False)
    now = datetime.now(UTC)
    async with unit_of_work(sessions) as session:
        taken, refused, counted = await gates.receive_swipes(
            session,
            VENDOR,
            swipes("CP002-G1", "FX0001", now, 4, "a"),
            thresholds=THRESHOLDS,
            now=now,
        )
    assert (taken, refused, counted) == (4, [], 4)
    assert await outbox(access_engine, "access.gate.alert_raised.v1", "CP002-G1") == []
    async with unit_of_work(sessions) as session:  # the same batch again: taken once
        _, _, counted = await gates.receive_swipes(
            session,
            VENDOR,
            swipes("CP002-G1", "FX0001", now, 4, "a"),
            thresholds=THRESHOLDS,
            now=now,
        )
    assert counted == 0
    assert await outbox(access_engine, "access.gate.alert_raised.v1", "CP002-G1") == []
    later = now + timedelta(minutes=1)
    for tag in ("b", "c"):  # the fifth and more within the window: one case
        async with unit_of_work(sessions) as session:
            await gates.receive_swipes(
                session,
                VENDOR,
                swipes("CP002-G1", "FX0002", later, 3, tag),
                thresholds=THRESHOLDS,
                now=later,
            )
    [alert] = await outbox(access_engine, "access.gate.alert_raised.v1", "CP002-G1")
    assert (alert["kind"], alert["category"], alert["refused_swipes"]) == (
        "refused_swipes",
        "E0703",
        7,
    )
    next_window = now + timedelta(minutes=40)
    async with unit_of_work(sessions) as session:
        await gates.receive_swipes(
            session,
            VENDOR,
            swipes("CP002-G1", "FX0003", next_window, 5, "d"),
            thresholds=THRESHOLDS,
            now=next_window,
        )
    assert len(await outbox(access_engine, "access.gate.alert_raised.v1", "CP002-G1")) == 2


async def test_a_key_reports_only_for_its_compounds(access_engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(access_engine, expire_on_commit=False)
    now = datetime.now(UTC)
    batch = [
        *swipes("CP003-G1", "FX0009", now, 1, "other"),
        *swipes("CP001-G1", "FX0009", now, 1, "ours"),
        *swipes("CP001-G1", "FX0009", now - timedelta(days=3), 1, "old"),
        SwipeIn(ref="x", gate_id="CP999-G1", card_number="FX0009", at=now, accepted=True),
    ]
    async with unit_of_work(sessions) as session:
        taken, refused, _ = await gates.receive_swipes(
            session, VENDOR, batch, thresholds=THRESHOLDS, now=now
        )
        gate = await session.scalar(select(Gate).where(Gate.id == "CP003-G1"))
    assert taken == 1
    assert [(r.index, r.code) for r in refused] == [
        (0, "compound_forbidden"),
        (2, "stale_or_future"),
        (3, "unknown_gate"),
    ]
    assert gate is not None and gate.status == "unknown", "a refused swipe tells nothing"
