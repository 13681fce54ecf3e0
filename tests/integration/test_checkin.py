"""Check-in at a patrol point against the real database: the code's signature and age, the fix
(mocked, inaccurate, too far) and the visit's window each decide, every refusal is recorded
with its reason and counted, and a scan settles the visit it belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.contracts.patrol import CheckinRecorded
from zg_common.db import unit_of_work
from zg_common.geo import haversine_m
from zg_common.identity import Identity
from zg_patrol.checkin import qr
from zg_patrol.checkin import service as checkin
from zg_patrol.models import Checkin, PatrolPoint, PlanRun, PlanVisit, outbox

pytestmark = pytest.mark.integration

SECRET = b"test-qr-secret"
NOW = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)  # 10:30 in Hefei
OFFICER = Identity(sub="acc-1", role="officer", grid_ids=("G01",), badge="ZG001")


async def scan(
    db: tuple[AsyncEngine, Any],
    token: str,
    *,
    lat: float,
    lon: float,
    accuracy: float = 8,
    mock: bool = False,
    who: Identity = OFFICER,
) -> Any:
    engine, requirements = db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with unit_of_work(sessions) as session:
        return await checkin.check_in(
            session,
            checkin.Scan(token, lat, lon, accuracy, mock),
            caller=who,
            now=NOW,
            requirements=requirements,
            secret=SECRET,
        )


async def a_point(engine: AsyncEngine) -> PatrolPoint:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        point = await session.get(PatrolPoint, "P0001")
        assert point is not None
        return point


async def test_each_refusal_names_its_reason_and_is_counted(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    patrol_engine = patrol_db[0]
    point = await a_point(patrol_engine)
    today = NOW.date()
    good = qr.issue(point.id, today, SECRET)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    old = qr.issue(point.id, today - timedelta(days=401), SECRET)
    other_secret = qr.issue(point.id, today, b"someone else's key")
    north = point.lat + 0.001  # about 111 m
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("nonsense", {}, "malformed"),
        (forged, {}, "bad_signature"),
        (other_secret, {}, "bad_signature"),
        (qr.issue(point.id, today + timedelta(days=2), SECRET), {}, "bad_signature"),
        (old, {}, "expired"),
        (qr.issue("P9999", today, SECRET), {}, "unknown_point"),
        (good, {"mock": True}, "mock_location"),
        (good, {"accuracy": 250}, "inaccurate_fix"),
        (good, {"lat": north}, "too_far"),
        (good, {"who": Identity(sub="acc-2", role="officer")}, "no_badge"),
    ]
    for token, options, reason in cases:
        where = {"lat": options.pop("lat", point.lat), "lon": point.lon}
        outcome = await scan(patrol_db, token, **where, **options)
        assert (outcome.outcome, outcome.reason) == ("refused", reason), token
    assert qr.verify(good, SECRET, today=today + timedelta(days=400), valid_days=400)[0] == point.id
    sessions = async_sessionmaker(patrol_engine, expire_on_commit=False)
    async with sessions() as session:
        counted = await checkin.refusals(session, NOW - timedelta(minutes=1))
        published = [
            CheckinRecorded.model_validate(payload["data"])
            for payload in await session.scalars(
                select(outbox.table.c.payload).where(
                    outbox.table.c.event_type == CheckinRecorded.event_type
                )
            )
        ]
    assert counted["bad_signature"] >= 3 and counted["too_far"] >= 1 and counted["expired"] >= 1
    mine = [e for e in published if e.at == NOW and e.outcome == "refused"]
    assert {e.reason for e in mine} >= {r for _, _, r in cases}, "every refusal is published"
    too_far = next(e for e in mine if e.reason == "too_far")
    assert too_far.point_id == point.id and too_far.distance_m and too_far.distance_m > 50
    assert haversine_m(point.lat, point.lon, north, point.lon) > 50


async def test_a_scan_settles_the_visit_of_its_window(patrol_db: tuple[AsyncEngine, Any]) -> None:
    patrol_engine = patrol_db[0]
    point = await a_point(patrol_engine)
    sessions = async_sessionmaker(patrol_engine, expire_on_commit=False)
    day = date(2026, 12, 1)
    windows = [(NOW - timedelta(hours=3), NOW - timedelta(hours=1)),  # past, open
               (NOW - timedelta(minutes=30), NOW + timedelta(minutes=90)),  # now
               (NOW + timedelta(hours=3), NOW + timedelta(hours=5))]  # fmt: skip
    async with unit_of_work(sessions) as session:
        await session.execute(delete(PlanVisit).where(PlanVisit.point_id == point.id))
        run = PlanRun(day=day, generated_at=NOW, generated_by="t", seconds=0, visits=3,
                      planned=3, length_m=0, unplanned_by_reason={})  # fmt: skip
        session.add(run)
        await session.flush()
        for n, (a, b) in enumerate(windows):
            session.add(PlanVisit(id=f"T:{n}", day=day, run_id=run.id, grid_id="G01",
                                  shift="day", point_id=point.id, lat=point.lat, lon=point.lon,
                                  kind="patrol", window_start=a,
                                  window_end=b, officer_badge="ZG001", seq=n + 1, eta=a,
                                  status="planned", updated_at=NOW))  # fmt: skip
    token = qr.issue(point.id, NOW.date(), SECRET)
    near = point.lat + 0.0002  # about 22 m: inside the 50 m radius

    on_time = await scan(patrol_db, token, lat=near, lon=point.lon)
    assert (on_time.outcome, on_time.visit.id) == ("on_time", "T:1")
    late = await scan(patrol_db, token, lat=near, lon=point.lon)
    assert (late.outcome, late.visit.id) == ("late", "T:0"), "the past open one, late"
    early = await scan(patrol_db, token, lat=near, lon=point.lon)
    assert (early.outcome, early.visit.id) == ("early", "T:2")
    extra = await scan(patrol_db, token, lat=near, lon=point.lon)
    assert (extra.outcome, extra.visit) == ("unplanned", None)
    async with sessions() as session:
        visits = await session.execute(
            select(PlanVisit.id, PlanVisit.status, PlanVisit.done_by).where(
                PlanVisit.point_id == point.id
            )
        )
        states = {v: (status, by) for v, status, by in visits.all()}
        assert states == {
            "T:0": ("late", "ZG001"),
            "T:1": ("done", "ZG001"),
            "T:2": ("early", "ZG001"),
        }
        outcomes = await session.scalars(
            select(Checkin.outcome).where(Checkin.point_id == point.id, Checkin.at == NOW)
        )
        assert set(outcomes) >= {"on_time", "late", "early", "unplanned"}
