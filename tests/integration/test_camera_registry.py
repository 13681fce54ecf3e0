"""The camera registry on PostgreSQL: the data set's 1,858 cameras loaded once and placed in
their grids; rows checked field by field with their line; the index follows the registry's
changes (a camera moved or retired by another process)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.conftest import Infra
from tests.integration.conftest import load_data_set, service_database
from zg_common.db import unit_of_work
from zg_video_index import registry
from zg_video_index.models import Camera

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
    live = runtime.state["index"]
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
    checked = registry.check_rows(rows, runtime.state["grids"])
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
    live = runtime.state["index"]
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
    assert await live.catch_up(sessions) >= 2
    assert "CZ-01" in {c for c, _ in live.index.covering(*far)}
    assert "TW-00001" not in {c for c, _ in live.index.covering(*place)}
    assert len(live.index) == 1857
