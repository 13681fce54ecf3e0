"""The camera registry on PostgreSQL: the data set's 1,858 cameras loaded once and placed in
their grids; rows checked field by field with their line; the index follows the registry's
changes (a camera moved or retired by another process)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.conftest import Infra
from tests.helpers import eventually
from tests.integration.conftest import load_data_set, service_database
from zg_common.contracts.intake import CaseReported
from zg_common.contracts.patrol import OfficerPositionReported
from zg_common.contracts.video_index import (
    CameraAlarmRaised,
    CameraStatusChanged,
    CaseCamerasLinked,
)
from zg_common.db import commit, unit_of_work
from zg_common.errors import ValidationFailed
from zg_video_index import alarms, health, links, registry, repository
from zg_video_index.models import Camera, outbox
from zg_video_index.spatial import View

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def video(infra: Infra) -> AsyncIterator[tuple[AsyncEngine, Any]]:
    async with service_database(infra, "video_index") as engine:
        yield engine, await load_data_set(engine, "video_index")


async def test_the_data_sets_cameras_are_loaded_placed_and_indexed(
    video: tuple[AsyncEngine, Any],
) -> None:
    engine, runtime = video
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        kinds = dict(
            (await session.execute(select(Camera.kind, func.count()).group_by(Camera.kind))).all()
        )
        unplaced = await session.scalar(
            select(func.count()).select_from(Camera).where(Camera.grid_id.is_(None))
        )
        statuses = set(await session.scalars(select(Camera.status).distinct()))
    assert kinds == {"public_security": 1187, "compound": 538, "body": 130, "vehicle": 3}
    assert unplaced == 84, "poles on the outer boundary road stand just outside every grid"
    assert statuses == {"unknown"}, "nobody has heard from them yet"
    live = runtime.state.index
    assert len(live.index) == 1858
    # a camera sees the place it stands on; the data set's first pole sees along its road
    async with sessions() as session:
        pole = await session.get(Camera, "TW-00001")
    assert pole is not None
    assert "TW-00001" in {c for c, _ in live.index.covering(pole.lat, pole.lon)}
    ahead = live.index.projection.offset(pole.lat, pole.lon, pole.heading_deg or 0, 50)
    behind = live.index.projection.offset(pole.lat, pole.lon, (pole.heading_deg or 0) + 180, 50)
    assert "TW-00001" in {c for c, _ in live.index.covering(*ahead)}
    assert "TW-00001" not in {c for c, _ in live.index.covering(*behind)}


async def test_rows_are_checked_with_their_line(video: tuple[AsyncEngine, Any]) -> None:
    _, runtime = video
    good = {
        "id": "NEW-1",
        "kind": "public_security",
        "name": "n",
        "owner": "o",
        "lat": 31.8,
        "lon": 117.3,
        "heading_deg": 10,
        "fov_deg": 60,
        "range_m": 100,
    }
    rows = [
        (2, good),
        (3, {**good, "id": "NEW-2", "fov_deg": 400}),
        (4, {**good, "id": "NEW-3", "heading_deg": None}),
        (5, {**good, "id": "NEW-4", "kind": "body"}),
        (6, {**good, "id": "NEW-5", "lat": 39.9, "lon": 116.4}),
        (7, {**good}),
        (8, {**good, "id": "bad id!"}),
        (9, {**good, "id": "NEW-6", "stream_url": "ftp://x"}),
        (10, {**good, "id": "NEW-7", "colour": "red"}),
    ]
    checked = registry.check_rows(rows, runtime.state.grids)
    assert [c.id for c in checked.cameras] == ["NEW-1"] and checked.lines == [2]
    codes = Counter((e.line, e.code) for e in checked.errors)
    assert set(codes) == {
        (3, "less_than_equal"),
        (4, "value_error"),
        (5, "value_error"),
        (6, "outside_district"),
        (7, "duplicate_id"),
        (8, "string_pattern_mismatch"),
        (9, "string_pattern_mismatch"),
        (10, "extra_forbidden"),
    }
    assert next(e for e in checked.errors if e.line == 3).field == "fov_deg"


async def test_the_index_follows_changes_made_elsewhere(video: tuple[AsyncEngine, Any]) -> None:
    engine, runtime = video
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    live = runtime.state.index
    far = (31.7955, 117.2755)
    assert "CZ-01" not in {c for c, _ in live.index.covering(*far)}
    async with unit_of_work(sessions) as session:  # another replica moves a vehicle, retires a pole
        now = datetime.now(UTC)
        await session.execute(
            update(Camera)
            .where(Camera.id == "CZ-01")
            .values(lat=far[0], lon=far[1], position_at=now, updated_at=now)
        )
        pole = await session.get(Camera, "TW-00001")
        assert pole is not None
        place = (pole.lat, pole.lon)
        await session.execute(
            update(Camera).where(Camera.id == "TW-00001").values(retired_at=now, updated_at=now)
        )
    applied = 0

    async def both_applied() -> bool:
        # A change is applied once every transaction older than it has ended, on the whole
        # server (transaction ids are server-wide): another test's or service's open
        # transaction holds it back for a moment (a CI run read 0 here at once).
        nonlocal applied
        applied += await live.catch_up(sessions)
        return bool(applied >= 2)

    await eventually(both_applied, timeout=20, what="both changes applied to the index")
    assert "CZ-01" in {c for c, _ in live.index.covering(*far)}
    assert "TW-00001" not in {c for c, _ in live.index.covering(*place)}
    assert len(live.index) == 1857


async def test_the_index_misses_no_write_that_commits_late(
    video: tuple[AsyncEngine, Any],
) -> None:
    """A transaction stamped long ago that commits after a later one (a slow import) still
    reaches the index: it follows commit order, not the rows' `updated_at` (which it read with
    a 10 s overlap before, and so lost this one); and a full reconcile mends a drifted index."""
    engine, runtime = video
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    live = runtime.state.index
    await live.catch_up(sessions)
    slow_place, fast_place = (31.7961, 117.2841), (31.7963, 117.2843)
    slow, fast = f"SLOW-{uuid.uuid4().hex[:6]}", f"FAST-{uuid.uuid4().hex[:6]}"
    stamp = datetime.now(UTC) - timedelta(minutes=5)

    async def add(session: Any, camera_id: str, place: tuple[float, float]) -> None:
        checked = registry.check_rows(
            [(1, {"id": camera_id, "kind": "public_security", "name": "test pole",
                  "owner": "test", "lat": place[0], "lon": place[1], "heading_deg": 0,
                  "fov_deg": 360, "range_m": 30})],
            runtime.state.grids,
        )  # fmt: skip
        assert not checked.errors, checked.errors
        await registry.store(session, checked.cameras, runtime.state.grids, now=stamp)

    def covering(place: tuple[float, float]) -> set[str]:
        return {c for c, _ in live.index.covering(*place)}

    async with sessions() as slow_session:
        await add(slow_session, slow, slow_place)  # written, not committed yet
        await slow_session.flush()
        async with unit_of_work(sessions) as session:
            await add(session, fast, fast_place)
        await live.catch_up(sessions)  # reads past the fast one's commit (old code: its stamp)
        await commit(slow_session)

    async def both() -> bool | None:
        await live.catch_up(sessions)
        return True if slow in covering(slow_place) and fast in covering(fast_place) else None

    await eventually(both, timeout=10, what="both cameras in the index")

    live.index.remove(fast)  # the index drifts (a bug, a lost update): the reconcile mends it
    assert await live.reconcile(sessions) == 0 and fast in covering(fast_place)
    live.index.upsert("GHOST-1", *fast_place, View(heading_deg=0, fov_deg=360, range_m=30))
    assert await live.reconcile(sessions) == 1 and "GHOST-1" not in covering(fast_place)


async def _events(sessions: Any, event_type: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(outbox.table.c.payload).where(outbox.table.c.event_type == event_type)
        )
        return [row["data"] for row in rows]


async def test_heartbeats_faults_and_silence_change_the_status_once_each(
    video: tuple[AsyncEngine, Any],
) -> None:
    engine, runtime = video
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    now = datetime.now(UTC)
    grid_of = runtime.state.grids.grid_of
    beats = [
        health.Beat("TW-00002", now - timedelta(seconds=30), "ok"),
        health.Beat("TW-00002", now - timedelta(seconds=10), "ok"),  # still online: no event
        health.Beat("TW-00003", now - timedelta(seconds=5), "fault", "lens covered"),
        health.Beat("NOPE", now, "ok"),
        health.Beat("TW-00004", now - timedelta(hours=2), "ok"),
        health.Beat("JL-ZG001", now, "ok", lat=31.7955, lon=117.2755),  # a body camera's fix
        health.Beat("TW-00005", now, "ok", lat=31.7955, lon=117.2755),  # a pole does not move
    ]
    async with unit_of_work(sessions) as session:
        taken, refused = await health.receive(session, beats, now=now, grid_of=grid_of)
    assert taken == 5
    assert {(r.camera_id, r.code) for r in refused} == {
        ("NOPE", "unknown_camera"),
        ("TW-00004", "stale_or_future"),
    }
    async with sessions() as session:
        cams = {
            c.id: c
            for c in await session.scalars(
                select(Camera).where(
                    Camera.id.in_(["TW-00002", "TW-00003", "JL-ZG001", "TW-00005"])
                )
            )
        }
    assert cams["TW-00002"].status == "online" and cams["TW-00003"].status == "fault"
    assert (cams["JL-ZG001"].lat, cams["JL-ZG001"].lon) == (31.7955, 117.2755)
    assert cams["JL-ZG001"].position_at == now and cams["JL-ZG001"].status == "online"
    assert cams["TW-00005"].lat != 31.7955
    changes = await _events(sessions, CameraStatusChanged.event_type)
    mine = [(e["camera_id"], e["from_status"], e["to_status"]) for e in changes]
    assert mine.count(("TW-00002", "unknown", "online")) == 1
    assert ("TW-00003", "unknown", "fault") in mine
    assert next(e for e in changes if e["camera_id"] == "TW-00003")["reason"] == "lens covered"

    # five minutes of silence: offline, once, whichever replicas look
    later = now + timedelta(minutes=6)
    counts = [
        await health.mark_silent(sessions, now=later, timeout=timedelta(minutes=5))
        for _ in range(2)
    ]
    assert counts[0] >= 3 and counts[1] == 0
    async with sessions() as session:
        assert (await session.get(Camera, "TW-00002")).status == "offline"  # type: ignore[union-attr]
    offline = [
        e
        for e in await _events(sessions, CameraStatusChanged.event_type)
        if e["to_status"] == "offline" and e["camera_id"] == "TW-00002"
    ]
    assert len(offline) == 1 and offline[0]["reason"] == "no heartbeat for 300 s"


async def test_a_reported_case_is_linked_to_the_cameras_that_see_it(
    video: tuple[AsyncEngine, Any],
) -> None:
    engine, runtime = video
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    live = runtime.state.index
    async with sessions() as session:
        pole = await session.get(Camera, "TW-00020")
    assert pole is not None
    place = live.index.projection.offset(pole.lat, pole.lon, pole.heading_deg or 0, 30)
    case = CaseReported(
        case_id=str(uuid.uuid4()),
        number="FX1",
        category="E0403",
        category_kind="event",
        lat=place[0],
        lon=place[1],
        description="parked",
        source="resident_app",
        reported_at=datetime.now(UTC),
    )
    async with unit_of_work(sessions) as session:
        linked = await links.link_case(session, case, live)
    async with unit_of_work(sessions) as session:
        assert await links.link_case(session, case, live) == linked, "idempotent"
    async with sessions() as session:
        found = await repository.cameras_of_case(session, uuid.UUID(case.case_id))
    assert linked == len(found) >= 1
    assert "TW-00020" in {c.id for c, _ in found}
    assert [d for _, d in found] == sorted(d for _, d in found)
    published = [
        e
        for e in await _events(sessions, CaseCamerasLinked.event_type)
        if e["case_id"] == case.case_id
    ]
    assert "TW-00020" in {c["camera_id"] for c in published[0]["cameras"]}


async def test_an_alarm_is_taken_once_per_platform_and_id(video: tuple[AsyncEngine, Any]) -> None:
    engine, _ = video
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    now = datetime.now(UTC)
    alarm = alarms.Alarm("A-1", "TW-00030", "E0403", now, 0.93, None, "")
    async with unit_of_work(sessions) as session:
        camera, new = await alarms.raise_alarm(session, alarm, partner="key:video", now=now)
    async with unit_of_work(sessions) as session:
        _, again = await alarms.raise_alarm(session, alarm, partner="key:video", now=now)
    async with unit_of_work(sessions) as session:
        _, other = await alarms.raise_alarm(session, alarm, partner="key:other", now=now)
    assert (new, again, other) == (True, False, True)
    raised = [
        e
        for e in await _events(sessions, CameraAlarmRaised.event_type)
        if e["camera_id"] == "TW-00030"
    ]
    assert sorted(e["alarm_id"] for e in raised) == ["key:other:A-1", "key:video:A-1"]
    assert (raised[0]["lat"], raised[0]["lon"]) == (camera.lat, camera.lon)
    with pytest.raises(ValidationFailed) as unknown:
        async with unit_of_work(sessions) as session:
            nowhere = alarms.Alarm("A-2", "NOPE", "E0403", now, 0.5, None, "")
            await alarms.raise_alarm(session, nowhere, partner="key:video", now=now)
    assert unknown.value.errors[0].code == "unknown_camera"


async def test_a_body_camera_follows_its_officers_reported_positions(
    video: tuple[AsyncEngine, Any],
) -> None:
    engine, runtime = video
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    grid_of = runtime.state.grids.grid_of
    now = datetime.now(UTC)

    def moved_to(lat: float, lon: float, at: datetime) -> OfficerPositionReported:
        return OfficerPositionReported(
            badge="ZG007", grid_id="G01", shift="day", at=at, lat=lat, lon=lon, accuracy_m=5
        )

    async with unit_of_work(sessions) as session:  # a poll's positions: the latest counts
        earlier = moved_to(31.79, 117.28, now - timedelta(seconds=30))
        latest = moved_to(31.8001, 117.2901, now)
        assert await links.follow_officers(session, [latest, earlier], grid_of) == 1
    async with unit_of_work(sessions) as session:  # an older fix arriving late: no move
        old = moved_to(31.7, 117.2, now - timedelta(minutes=1))
        assert await links.follow_officers(session, [old], grid_of) == 0
    async with unit_of_work(sessions) as session:  # no body camera for that badge
        stranger = moved_to(31.8, 117.29, now).model_copy(update={"badge": "XX999"})
        assert await links.follow_officers(session, [stranger], grid_of) == 0
    async with sessions() as session:
        camera = await session.get(Camera, "JL-ZG007")
    assert camera is not None and (camera.lat, camera.lon) == (31.8001, 117.2901)
    live = runtime.state.index

    async def seen_there() -> bool:
        # the index reads a change once every transaction older than it has ended, anywhere
        # on the server (a test's background consumer may hold one open for a moment)
        await live.catch_up(sessions)
        return "JL-ZG007" in {c for c, _ in live.index.covering(31.8001, 117.2902)}

    await eventually(seen_there, timeout=10, what="the body camera in the live index")
