"""Managers edit the territory: points inside their grids with sequential ids and codes,
officers, planned absences, routes; retiring instead of deleting; every change logged and
announced; a newer data set leaves edited rows alone. On a database of its own (the edits
would disturb the other patrol tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.conftest import Infra
from tests.integration.conftest import load_data_set, service_database
from zg_common.contracts.patrol import TerritoryChanged
from zg_common.db import unit_of_work
from zg_common.errors import Conflict, ProblemError, ValidationFailed
from zg_common.identity import Identity
from zg_patrol.checkin import service as checkin
from zg_patrol.checkin.qr import PointCodes
from zg_patrol.exceptions import PointNotFound
from zg_patrol.models import OfficerAbsence, PatrolPoint, Route, outbox
from zg_patrol.plans import service as plans
from zg_patrol.territory import officers, repository
from zg_patrol.territory import service as editing

pytestmark = pytest.mark.integration

LOCAL = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 10, 9, 0, tzinfo=LOCAL)
MANAGER = Identity(sub="mgr-1", role="manager")


@pytest.fixture(scope="module")
async def territory(infra: Infra) -> AsyncIterator[tuple[AsyncEngine, Any]]:
    async with service_database(infra, "patrol", "zg_patrol_edits") as engine:
        runtime = await load_data_set(engine, "patrol")
        yield engine, runtime


def _code(error: ProblemError) -> str:
    return error.errors[0].code


async def test_points_are_added_inside_their_grid_changed_and_retired(
    territory: tuple[AsyncEngine, Any],
) -> None:
    engine, runtime = territory
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    types = runtime.state.object_types
    async with sessions() as session:
        anchor = await session.get(PatrolPoint, "P0001")  # in G01
        assert anchor is not None
        last = await session.scalar(text("SELECT max(id) FROM patrol.patrol_point"))
    inside = {
        "grid_id": "G01",
        "object_type": "construction_site",
        "name": "新工地",
        "address": "徽州大道1号",
        "lat": anchor.lat,
        "lon": anchor.lon,
    }

    async with unit_of_work(sessions) as session:
        point = await editing.create_point(
            session, inside, object_types=types, reason="new site", caller=MANAGER, now=NOW
        )
    assert point.id == f"P{int(last[1:]) + 1:04d}"
    assert point.code.startswith("FX-G01-") and point.edited_at == NOW
    assert point.work_focus == types["construction_site"]["work_focus"], "the type's default"

    for values, code in (
        ({**inside, "grid_id": "G05"}, "outside_grid"),
        ({**inside, "object_type": "volcano"}, "unknown_object_type"),
        ({**inside, "grid_id": "G77"}, "unknown_grid"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            async with unit_of_work(sessions) as session:
                await editing.create_point(
                    session, values, object_types=types, reason="x", caller=MANAGER, now=NOW
                )
        assert _code(refused.value) == code

    async with unit_of_work(sessions) as session:
        changed = await editing.update_point(
            session,
            point.id,
            {"name": "新工地（东）"},
            object_types=types,
            reason="renamed",
            caller=MANAGER,
            now=NOW,
        )
    assert changed.name == "新工地（东）"
    with pytest.raises(ValidationFailed) as moved_out:
        async with unit_of_work(sessions) as session:
            await editing.update_point(
                session,
                point.id,
                {"lat": anchor.lat + 1},
                object_types=types,
                reason="x",
                caller=MANAGER,
                now=NOW,
            )
    assert _code(moved_out.value) == "outside_grid"

    # retired: off the routes that had it, out of the lists and plans, its code refused
    async with unit_of_work(sessions) as session:
        route = await session.get(Route, "R01")
        assert route is not None
        victim = route.point_ids[1]
        length_before = route.length_m
    async with unit_of_work(sessions) as session:
        await editing.retire_point(session, victim, reason="site closed", caller=MANAGER, now=NOW)
    async with sessions() as session:
        route = await session.get(Route, "R01")
        assert route is not None and victim not in route.point_ids
        assert route.length_m != length_before and len(route.geometry["coordinates"]) == len(
            route.point_ids
        )
        listed = await repository.list_points(
            session, grid_id="G01", object_type=None, after=None, limit=1000
        )
        assert victim not in {p.id for p in listed} and point.id in {p.id for p in listed}
        planned_points, _, _ = await plans._territory(session)
        assert victim not in {p.id for p in planned_points}
        retired = await session.get(PatrolPoint, victim)
        assert retired is not None
    codes = PointCodes.from_secret("edits-secret")
    async with unit_of_work(sessions) as session:
        scan = checkin.Scan(
            codes.signer.issue(victim, 0, NOW.date()), retired.lat, retired.lon, 5, False
        )
        officer = Identity(sub="o", role="officer", grid_ids=("G01",), badge="ZG001")
        scanned = await checkin.check_in(
            session,
            scan,
            caller=officer,
            now=NOW,
            requirements=runtime.state.requirements,
            codes=codes,
        )
    assert (scanned.outcome, scanned.reason) == ("refused", "unknown_point")
    with pytest.raises(PointNotFound):
        async with unit_of_work(sessions) as session:
            await editing.retire_point(session, victim, reason="again", caller=MANAGER, now=NOW)

    async with sessions() as session:
        log = await editing.changes_of(session, f"point/{point.id}")
        assert [(c.change, c.reason) for c in log] == [
            ("created", "new site"),
            ("updated", "renamed"),
        ]
        assert (log[1].before or {})["name"] == "新工地" and log[1].actor_sub == "mgr-1"
        announced = list(
            await session.scalars(
                select(outbox.table.c.key).where(
                    outbox.table.c.event_type == TerritoryChanged.event_type
                )
            )
        )
    assert announced.count(f"point/{point.id}") == 2 and "route/R01" in announced
    async with sessions() as session:
        states = [
            TerritoryChanged.model_validate(payload["data"])
            for payload in await session.scalars(
                select(outbox.table.c.payload)
                .where(outbox.table.c.key == f"point/{point.id}")
                .order_by(outbox.table.c.seq)
            )
        ]
    # each event carries the point's full new state, for the copies the other services keep
    assert [s.change for s in states] == ["created", "updated"]
    assert [s.point.name if s.point else None for s in states] == ["新工地", "新工地（东）"]
    assert all(s.point and s.point.code == point.code and not s.point.retired for s in states)


async def test_officers_their_absences_and_routes(territory: tuple[AsyncEngine, Any]) -> None:
    engine, runtime = territory
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    requirements = runtime.state.requirements
    new = {
        "badge": "ZG901",
        "name": "新队员",
        "grid_id": "G03",
        "shift": "evening",
        "certificate": "皖执-2026-901",
    }
    async with unit_of_work(sessions) as session:
        await officers.create_officer(
            session, new, requirements=requirements, reason="hired", caller=MANAGER, now=NOW
        )
    with pytest.raises(Conflict):
        async with unit_of_work(sessions) as session:
            await officers.create_officer(
                session, new, requirements=requirements, reason="again", caller=MANAGER, now=NOW
            )
    async with unit_of_work(sessions) as session:
        moved = await officers.update_officer(
            session,
            "ZG901",
            {"shift": "day"},
            requirements=requirements,
            reason="rota",
            caller=MANAGER,
            now=NOW,
        )
    assert moved.shift == "day"

    # leave planned for tomorrow from 11:00: tomorrow's plan has the officer walk until then
    tomorrow = NOW.date() + timedelta(days=1)
    async with unit_of_work(sessions) as session:
        absence = await officers.add_absence(
            session,
            "ZG901",
            day=tomorrow,
            from_time=time(11),
            reason="hospital visit",
            requirements=requirements,
            caller=MANAGER,
            now=NOW,
        )
    assert absence.from_at == datetime.combine(tomorrow, time(11), LOCAL)
    async with sessions() as session:
        assert (await plans.absences(session, tomorrow))[("ZG901", "day")] == absence.from_at
    with pytest.raises(ValidationFailed) as outside:
        async with unit_of_work(sessions) as session:
            await officers.add_absence(
                session,
                "ZG901",
                day=tomorrow,
                from_time=time(18),
                reason="x",
                requirements=requirements,
                caller=MANAGER,
                now=NOW,
            )
    assert _code(outside.value) == "outside_shift"
    with pytest.raises(ValidationFailed) as past:
        async with unit_of_work(sessions) as session:
            await officers.add_absence(
                session,
                "ZG901",
                day=date(2026, 12, 1),
                from_time=None,
                reason="x",
                requirements=requirements,
                caller=MANAGER,
                now=NOW,
            )
    assert _code(past.value) == "past_shift"
    async with unit_of_work(sessions) as session:
        await officers.cancel_absence(session, "ZG901", absence.id, caller=MANAGER, now=NOW)
        assert await session.get(OfficerAbsence, absence.id) is None
    async with unit_of_work(sessions) as session:
        begun = await officers.add_absence(
            session,
            "ZG901",
            day=NOW.date(),
            from_time=time(8),
            reason="sick",
            requirements=requirements,
            caller=MANAGER,
            now=NOW,
        )
    with pytest.raises(Conflict):
        async with unit_of_work(sessions) as session:
            await officers.cancel_absence(session, "ZG901", begun.id, caller=MANAGER, now=NOW)

    async with unit_of_work(sessions) as session:
        await officers.retire_officer(session, "ZG901", reason="left", caller=MANAGER, now=NOW)
    async with sessions() as session:
        listed = await repository.list_officers(session, grid_id="G03", shift=None)
        assert "ZG901" not in {o.badge for o in listed}
        log = await editing.changes_of(session, "officer/ZG901")
        assert [c.change for c in log] == [
            "created",
            "updated",
            "absence_added",
            "absence_cancelled",
            "absence_added",
            "retired",
        ]

    # a route takes the points of its grid only, each once
    async with sessions() as session:
        g02 = [
            p.id
            for p in await repository.list_points(
                session, grid_id="G02", object_type=None, after=None, limit=5
            )
        ]
    for ids, code in ((["P0001", g02[0]], "other_grid"), ([g02[0], g02[0]], "repeated_point")):
        with pytest.raises(ValidationFailed) as refused:
            async with unit_of_work(sessions) as session:
                await editing.update_route(session, "R02", ids, reason="x", caller=MANAGER, now=NOW)
        assert _code(refused.value) == code
    async with unit_of_work(sessions) as session:
        route = await editing.update_route(
            session, "R02", g02[:3], reason="shorter", caller=MANAGER, now=NOW
        )
    assert route.point_ids == g02[:3] and route.length_m > 0


async def test_a_newer_data_set_leaves_what_managers_edited(
    territory: tuple[AsyncEngine, Any],
) -> None:
    engine, runtime = territory
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with unit_of_work(sessions) as session:
        await editing.update_point(
            session,
            "P0010",
            {"name": "改过的名字"},
            object_types=runtime.state.object_types,
            reason="local name",
            caller=MANAGER,
            now=NOW,
        )
        # a row nobody edited, changed behind the API's back: the data set restores it
        await session.execute(text("UPDATE patrol.patrol_point SET name = 'x' WHERE id = 'P0011'"))
        await session.execute(text("UPDATE patrol.refdata_load SET version = 'older'"))
    await load_data_set(engine, "patrol")
    async with sessions() as session:
        edited = await session.get(PatrolPoint, "P0010")
        restored = await session.get(PatrolPoint, "P0011")
    assert edited is not None and edited.name == "改过的名字"
    assert restored is not None and restored.name != "x"
