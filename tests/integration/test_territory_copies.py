"""The copies of patrol's territory in intake, routing and the video index follow patrol's
events (the full state of what changed), ignore a change older than the one they hold, and
their in-memory indexes are rebuilt from them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import REPO, Infra
from tests.helpers import eventually
from tests.integration.conftest import load_data_set, service_database
from zg_common import territory as zg_territory
from zg_common.contracts.patrol import GridState, PointState, TerritoryChanged
from zg_common.db import unit_of_work
from zg_common.refdata import RefData
from zg_common.territory import read_points
from zg_intake import territory_copy as intake_copy
from zg_intake.models import Grid as IntakeGrid
from zg_intake.models import PatrolPoint as IntakePoint
from zg_routing import territory_copy as routing_copy
from zg_routing.models import Grid as RoutingGrid
from zg_video_index import territory_copy as video_copy

pytestmark = pytest.mark.integration

AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
# a grid of its own, well away from the district: no other test's place falls in it
FAR = {"type": "Polygon", "coordinates": [[[118.0, 32.0], [118.01, 32.0], [118.01, 32.01],
                                            [118.0, 32.01], [118.0, 32.0]]]}  # fmt: skip
NEW_GRID = GridState(
    id="G99", code="FX-G99", name="新网格", name_en="New grid", zone_type="vacant",
    area_m2=1_000_000, geometry=FAR,
)  # fmt: skip
NEW_POINT = PointState(
    id="P9901", code="FX-G99-0001", grid_id="G99", object_type="shop", name="新店",
    address="新路1号", work_focus="", standard="", lat=32.005, lon=118.005,
)  # fmt: skip


def grid_changed(grid: GridState, at: datetime) -> TerritoryChanged:
    return TerritoryChanged(subject=f"grid/{grid.id}", change="loaded", at=at, grid=grid)


def point_changed(point: PointState, change: str, at: datetime) -> TerritoryChanged:
    return TerritoryChanged(subject=f"point/{point.id}", change=change, at=at, point=point)


@pytest.fixture
async def intake(intake_engine: AsyncEngine) -> AsyncIterator[Any]:
    runtime = await load_data_set(intake_engine, "intake")
    yield runtime
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(delete(IntakePoint).where(IntakePoint.id == NEW_POINT.id))
        await session.execute(delete(IntakeGrid).where(IntakeGrid.id == NEW_GRID.id))


async def test_intakes_copy_follows_points_and_grids(intake: Any) -> None:
    territory = intake.state.reference.territory
    assert territory.point(NEW_POINT.id) is None
    async with unit_of_work(intake.sessions) as session:
        assert await intake_copy.apply_change(session, grid_changed(NEW_GRID, AT))
        assert await intake_copy.apply_change(session, point_changed(NEW_POINT, "created", AT))
        await intake_copy.rebuild(session, territory)
    assert territory.point(NEW_POINT.id) is not None
    place = territory.resolve(NEW_POINT.lat, NEW_POINT.lon)
    assert place.grid.id == "G99" and place.point is not None and place.point.id == "P9901"

    renamed = NEW_POINT.model_copy(update={"name": "新店（改）"})
    stale = NEW_POINT.model_copy(update={"name": "旧名"})
    retired = renamed.model_copy(update={"retired": True})
    async with unit_of_work(intake.sessions) as session:
        assert await intake_copy.apply_change(
            session, point_changed(renamed, "updated", AT + timedelta(minutes=1))
        )
        # an older change arriving late is ignored
        assert not await intake_copy.apply_change(session, point_changed(stale, "updated", AT))
        await intake_copy.rebuild(session, territory)
        assert await zg_territory.newest_change(session, IntakeGrid, IntakePoint) == (
            AT + timedelta(minutes=1)
        )
    found = territory.point(NEW_POINT.id)
    assert found is not None and found.name == "新店（改）"

    async with unit_of_work(intake.sessions) as session:
        assert await intake_copy.apply_change(
            session, point_changed(retired, "retired", AT + timedelta(minutes=2))
        )
        await intake_copy.rebuild(session, territory)
    assert territory.point(NEW_POINT.id) is None, "a retired point is no scan target"
    # routes and officers are not intake's concern
    async with unit_of_work(intake.sessions) as session:
        officer_only = TerritoryChanged(subject="officer/ZG001", change="updated", at=AT)
        assert not await intake_copy.apply_change(session, officer_only)


@pytest.fixture
async def routing(routing_engine: AsyncEngine) -> AsyncIterator[Any]:
    runtime = await load_data_set(routing_engine, "routing")
    yield runtime
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(delete(RoutingGrid).where(RoutingGrid.id == NEW_GRID.id))


async def test_routings_grids_follow_patrol(routing: Any) -> None:
    grids = routing.state.grids
    assert grids.locate(32.005, 118.005).id != "G99"
    async with unit_of_work(routing.sessions) as session:
        assert await routing_copy.apply_change(session, grid_changed(NEW_GRID, AT))
        assert not await routing_copy.apply_change(session, point_changed(NEW_POINT, "created", AT))
        await routing_copy.rebuild(session, grids)
        assert await zg_territory.newest_change(session, RoutingGrid) == AT
    assert grids.locate(32.005, 118.005).id == "G99"


@pytest.fixture(scope="module")
async def video(infra: Infra) -> AsyncIterator[Any]:
    async with service_database(infra, "video_index", "zg_video_copy") as engine:
        yield await load_data_set(engine, "video_index")


async def test_the_video_indexs_grids_follow_patrol(video: Any) -> None:
    grids = video.state.grids
    assert grids.grid_of(32.005, 118.005) is None and "G01" in grids.shapes
    moved = NEW_GRID.model_copy(update={"id": "G01"})
    async with unit_of_work(video.sessions) as session:
        assert await video_copy.apply_change(session, grid_changed(NEW_GRID, AT))
        # G01 redrawn far away: cameras placed from now on follow it
        assert await video_copy.apply_change(session, grid_changed(moved, AT))
        await video_copy.rebuild(session, grids)
    assert grids.grid_of(32.005, 118.005) == "G01" and grids.shapes["G99"] == FAR
    async with video.sessions() as session:
        assert len(await video_copy.grids(session)) == 15


async def test_another_replica_follows_the_copy_within_its_interval(intake: Any) -> None:
    """The replica that consumed the event rebuilds at once; another one (its own runtime,
    the same database) follows within `territory_follow_s`."""
    replica = await load_data_set(intake.sessions.kw["bind"], "intake")
    territory = replica.state.reference.territory
    follower = asyncio.create_task(replica.state.territory_copy.follow(0.1))
    try:
        await asyncio.sleep(0.3)  # the follower has read the copy's stamp
        later = AT + timedelta(hours=1)
        async with unit_of_work(intake.sessions) as session:
            await intake_copy.apply_change(session, grid_changed(NEW_GRID, later))
            await intake_copy.apply_change(session, point_changed(NEW_POINT, "created", later))

        async def known() -> bool:
            return territory.point(NEW_POINT.id) is not None

        await eventually(known, timeout=10, what="the other replica knows the new point")
        # the process that applied it (its `request` after the commit) rebuilds once
        consumer = intake.state.territory_copy
        await consumer.request()

        async def noted() -> bool:
            return bool(consumer.seen == later)

        await eventually(noted, timeout=5, what="the consumer's rebuild noted the change")
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def test_a_data_set_version_leaves_what_an_event_changed(intake: Any) -> None:
    data = RefData(REPO / "deploy" / "data" / "fangxing")
    first = read_points(data)[0]
    renamed = first.model_copy(update={"name": "经理改名"})
    try:
        async with unit_of_work(intake.sessions) as session:
            assert await intake_copy.apply_change(session, point_changed(renamed, "updated", AT))
            await intake_copy.load_data_set(session, data)  # a new version, read again
            row = await session.get(IntakePoint, first.id, populate_existing=True)
            assert row is not None and row.name == "经理改名", "the event's change stands"
    finally:
        async with unit_of_work(intake.sessions) as session:
            row = await session.get(IntakePoint, first.id)
            assert row is not None
            row.changed_at = None
            await session.flush()
            await intake_copy.load_data_set(session, data)
            await session.refresh(row)
            assert row.name == first.name, "a row no event changed follows the data set"
