"""Check-in at a patrol point against the real database: the code's signature, key, serial and
age, the fix (mocked, inaccurate, too far) and the visit's window each decide, every refusal is
recorded with its reason and counted, a scan settles the visit it belongs to — the officer's
own, never another grid's or a colleague's missed one — and a scan with no reported track near
the point is flagged."""

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
from zg_patrol.checkin import service as checkin
from zg_patrol.checkin.qr import PointCodes
from zg_patrol.models import Checkin, OfficerPosition, PatrolPoint, PlanRun, PlanVisit, outbox

pytestmark = pytest.mark.integration

CODES = PointCodes.from_secret("test-qr-secret")
SIGN = CODES.signer.issue
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
            codes=CODES,
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
    good = SIGN(point.id, 0, today)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    old = SIGN(point.id, 0, today - timedelta(days=401))
    stranger = PointCodes.from_secret("someone else's key").signer.issue(point.id, 0, today)
    # the same key id with another key's signature: the signature decides
    kid = CODES.signer.kid
    swapped = ".".join([*stranger.split(".")[:4], kid, stranger.split(".")[5]])
    north = point.lat + 0.001  # about 111 m
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("nonsense", {}, "malformed"),
        (good.replace("ZGP2", "ZGP1"), {}, "malformed"),
        (forged, {}, "bad_signature"),
        (stranger, {}, "unknown_key"),
        (swapped, {}, "bad_signature"),
        (SIGN(point.id, 0, today + timedelta(days=2)), {}, "bad_signature"),
        (SIGN(point.id, 1, today), {}, "revoked"),
        (old, {}, "expired"),
        (SIGN("P9999", 0, today), {}, "unknown_point"),
        (good, {"mock": True}, "mock_location"),
        (good, {"accuracy": 250}, "inaccurate_fix"),
        (good, {"lat": north}, "too_far"),
        (good, {"who": Identity(sub="acc-2", role="officer")}, "no_badge"),
    ]
    for token, options, reason in cases:
        where = {"lat": options.pop("lat", point.lat), "lon": point.lon}
        outcome = await scan(patrol_db, token, **where, **options)
        assert (outcome.outcome, outcome.reason) == ("refused", reason), token
    assert CODES.keyring.read(good).point_id == point.id
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
    assert counted["bad_signature"] >= 3 and counted["too_far"] >= 1 and counted["revoked"] >= 1
    assert counted["unknown_key"] >= 1 and counted["expired"] >= 1
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
    token = SIGN(point.id, 0, NOW.date())
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


async def _visits(engine: AsyncEngine, point: PatrolPoint, rows: list[dict[str, Any]]) -> None:
    """Replace the point's visits today by these (id, officer, grid, status, window)."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with unit_of_work(sessions) as session:
        await session.execute(delete(PlanVisit).where(PlanVisit.point_id == point.id))
        await session.execute(delete(OfficerPosition).where(OfficerPosition.badge == "ZG001"))
        run = PlanRun(
            day=NOW.date(),
            generated_at=NOW,
            generated_by="t",
            seconds=0,
            visits=len(rows),
            planned=len(rows),
            length_m=0,
            unplanned_by_reason={},
        )
        session.add(run)
        await session.flush()
        for n, row in enumerate(rows):
            session.add(
                PlanVisit(
                    id=row["id"],
                    day=NOW.date(),
                    run_id=run.id,
                    grid_id=row["grid"],
                    shift="day",
                    point_id=point.id,
                    lat=point.lat,
                    lon=point.lon,
                    kind="patrol",
                    window_start=row["window"][0],
                    window_end=row["window"][1],
                    officer_badge=row["officer"],
                    seq=n + 1,
                    eta=row["window"][0],
                    status=row["status"],
                    updated_at=NOW,
                )
            )


async def test_a_scan_settles_only_the_officers_own_visit_or_a_colleagues_planned_one(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    """A colleague of the grid may take a planned visit over (recorded as done by them,
    flagged); an officer of another grid settles nothing of this point; nobody but its own
    officer settles a missed visit (and so its make-up)."""
    engine = patrol_db[0]
    point = await a_point(engine)
    now_window = (NOW - timedelta(minutes=30), NOW + timedelta(minutes=90))
    past_window = (NOW - timedelta(hours=3), NOW - timedelta(hours=1))
    await _visits(
        engine,
        point,
        [
            {
                "id": "C:theirs",
                "officer": "ZG002",
                "grid": point.grid_id,
                "status": "planned",
                "window": now_window,
            },
            {
                "id": "C:missed",
                "officer": "ZG002",
                "grid": point.grid_id,
                "status": "missed",
                "window": past_window,
            },
        ],
    )
    token = SIGN(point.id, 0, NOW.date())
    stranger = Identity(sub="acc-9", role="officer", grid_ids=("G99",), badge="ZG099")
    elsewhere = await scan(patrol_db, token, lat=point.lat, lon=point.lon, who=stranger)
    assert (elsewhere.outcome, elsewhere.visit) == ("unplanned", None), "another grid's"
    no_grids = Identity(sub="acc-8", role="officer", badge="ZG098")
    nowhere = await scan(patrol_db, token, lat=point.lat, lon=point.lon, who=no_grids)
    assert (nowhere.outcome, nowhere.visit) == ("unplanned", None), "an officer with no grids"

    colleague = Identity(sub="acc-1", role="officer", grid_ids=(point.grid_id,), badge="ZG001")
    took = await scan(patrol_db, token, lat=point.lat, lon=point.lon, who=colleague)
    assert (took.outcome, took.visit.id) == ("on_time", "C:theirs")
    assert "others_visit" in took.flags
    again = await scan(patrol_db, token, lat=point.lat, lon=point.lon, who=colleague)
    assert (again.outcome, again.visit) == ("unplanned", None), "never the colleague's missed one"
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        states = dict(
            (
                await session.execute(
                    select(PlanVisit.id, PlanVisit.status).where(PlanVisit.point_id == point.id)
                )
            ).all()
        )
        theirs = await session.get(PlanVisit, "C:theirs")
    assert states == {"C:theirs": "done", "C:missed": "missed"}
    assert theirs is not None and theirs.done_by == "ZG001"


async def test_a_scan_without_a_track_near_the_point_is_flagged(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    """The point's place is public, so the fix in a scan can be typed in on the sofa; the
    officer's reported track cannot be near the point too without walking there."""
    engine = patrol_db[0]
    point = await a_point(engine)
    await _visits(engine, point, [])
    token = SIGN(point.id, 0, NOW.date())
    sofa = await scan(patrol_db, token, lat=point.lat, lon=point.lon)
    assert sofa.outcome == "unplanned" and sofa.flags == ("no_track",)

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    far = point.lat + 0.01  # about 1.1 km away
    async with unit_of_work(sessions) as session:
        for minutes, lat in ((40, point.lat), (5, far)):  # near but too long ago; recent but far
            session.add(
                OfficerPosition(
                    badge="ZG001",
                    at=NOW - timedelta(minutes=minutes),
                    lat=lat,
                    lon=point.lon,
                    accuracy_m=10,
                    received_at=NOW,
                )
            )
    still = await scan(patrol_db, token, lat=point.lat, lon=point.lon)
    assert still.flags == ("no_track",)
    async with unit_of_work(sessions) as session:
        session.add(
            OfficerPosition(
                badge="ZG001",
                at=NOW - timedelta(minutes=3),
                lat=point.lat + 0.0005,
                lon=point.lon,
                accuracy_m=10,
                received_at=NOW,
            )
        )
    walked = await scan(patrol_db, token, lat=point.lat, lon=point.lon)
    assert walked.outcome == "unplanned" and walked.flags == ()
    async with sessions() as session:
        flags = list(
            await session.scalars(
                select(Checkin.flags).where(Checkin.point_id == point.id, Checkin.at == NOW)
            )
        )
    assert ["no_track"] in flags and [] in flags
