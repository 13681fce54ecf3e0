"""Officers' positions: fixes stored all or none, the latest moving only forward and published
once per move, the live map by grid, the day's track, and re-planning from a fresh fix."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from zg_common.contracts.patrol import OfficerPositionReported
from zg_common.db import unit_of_work
from zg_common.errors import ValidationFailed
from zg_common.identity import Identity
from zg_patrol.exceptions import BadgeRequired
from zg_patrol.models import OfficerLatest, OfficerPosition, PlanVisit, outbox
from zg_patrol.plans import replan
from zg_patrol.positions import service as positions

pytestmark = pytest.mark.integration

LOCAL = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 9, 10, 0, tzinfo=LOCAL)
OFFICER = Identity(sub="acc-5", role="officer", grid_ids=frozenset({"G01"}), badge="ZG005")
BADGE = "ZG005"


def fix(minutes_ago: float, lat: float = 31.80, lon: float = 117.29, **kw: Any) -> Any:
    return positions.Fix(NOW - timedelta(minutes=minutes_ago), lat, lon, 8.0, **kw)


async def _announced(sessions: async_sessionmaker[Any]) -> list[OfficerPositionReported]:
    async with sessions() as session:
        return [
            OfficerPositionReported.model_validate(payload["data"])
            for payload in await session.scalars(
                select(outbox.table.c.payload).where(
                    outbox.table.c.event_type == OfficerPositionReported.event_type,
                    outbox.table.c.key == BADGE,
                )
            )
        ]


async def test_fixes_move_the_latest_position_forward_only(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    engine, requirements = patrol_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with unit_of_work(sessions) as session:
        await session.execute(delete(OfficerPosition).where(OfficerPosition.badge == BADGE))
        await session.execute(delete(OfficerLatest).where(OfficerLatest.badge == BADGE))
        await session.execute(delete(outbox.table).where(outbox.table.c.key == BADGE))

    async with unit_of_work(sessions) as session:
        latest = await positions.report(
            session,
            [fix(3, 31.800), fix(1, 31.802), fix(2, 31.801)],  # out of order, as buffered
            caller=OFFICER,
            now=NOW,
        )
    assert (latest.at, latest.lat) == (NOW - timedelta(minutes=1), 31.802)
    # an older fix arriving late fills the track in, the latest stays
    async with unit_of_work(sessions) as session:
        latest = await positions.report(session, [fix(5, 31.799)], caller=OFFICER, now=NOW)
    assert latest.lat == 31.802
    announced = await _announced(sessions)
    assert [(a.lat, a.grid_id) for a in announced] == [(31.802, "G01")], "one move, one event"

    # anything wrong in a report: nothing of it is stored
    for bad, code in (
        (fix(-10), "in_future"),
        (fix(13 * 60), "too_old"),
        (fix(0.5, mock_location=True), "mock_location"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            async with unit_of_work(sessions) as session:
                await positions.report(session, [fix(0.2), bad], caller=OFFICER, now=NOW)
        assert [e.code for e in refused.value.errors] == [code]
        assert refused.value.errors[0].field.startswith("fixes.1.")
    with pytest.raises(BadgeRequired):
        async with unit_of_work(sessions) as session:
            leader = Identity(sub="sl", role="shift_leader")
            await positions.report(session, [fix(0.2)], caller=leader, now=NOW)
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count()).select_from(OfficerPosition).where(OfficerPosition.badge == BADGE)
        )
        assert stored == 4
        mine = await positions.live(
            session, grid_ids=frozenset({"G01"}), since=NOW - timedelta(hours=1)
        )
        assert [o.badge for o, _ in mine if o.badge == BADGE] == [BADGE]
        theirs = await positions.live(
            session, grid_ids=frozenset({"G05"}), since=NOW - timedelta(hours=1)
        )
        assert BADGE not in [o.badge for o, _ in theirs]
        gone = await positions.live(session, grid_ids=None, since=NOW)
        assert BADGE not in [o.badge for o, _ in gone], "not heard from since"
        track = await positions.track(session, BADGE, NOW.date(), requirements)
        assert [round(p.lat, 3) for p in track] == [31.799, 31.800, 31.801, 31.802]
        assert 300 < positions.length_m(track) < 400  # 0.003 degrees of latitude: ~334 m


async def test_re_planning_starts_from_a_fresh_fix_not_an_old_check_in(
    patrol_db: tuple[AsyncEngine, Any],
) -> None:
    engine, _ = patrol_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    day = NOW.date()
    async with unit_of_work(sessions) as session:
        await session.execute(delete(OfficerLatest).where(OfficerLatest.badge == BADGE))
        await session.execute(delete(PlanVisit).where(PlanVisit.id == "POS:done"))
        session.add(
            PlanVisit(
                id="POS:done", day=day, run_id=None, grid_id="G01", shift="day",
                point_id=None, lat=31.7, lon=117.2, kind="patrol",
                window_start=NOW - timedelta(hours=2), window_end=NOW - timedelta(hours=1),
                status="done", updated_at=NOW, done_at=NOW - timedelta(minutes=30), done_by=BADGE,
            )
        )  # fmt: skip
    async with sessions() as session:
        assert await replan.last_place(session, day, BADGE, now=NOW) == (31.7, 117.2)
    async with unit_of_work(sessions) as session:
        await positions.report(session, [fix(2, 31.81, 117.3)], caller=OFFICER, now=NOW)
    async with sessions() as session:
        assert await replan.last_place(session, day, BADGE, now=NOW) == (31.81, 117.3)
        later = NOW + timedelta(minutes=20)  # the fix is stale by then: back to the check-in
        assert await replan.last_place(session, day, BADGE, now=later) == (31.7, 117.2)
