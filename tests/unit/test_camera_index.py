"""The camera index: the coverage wedge (inside, outside, exactly at its edges and range,
headings that wrap past 360 degrees), all-round mobile units, moving and removing cameras,
and the nearest / inside-an-area queries against brute force."""

from __future__ import annotations

import math
import random

import pytest
from shapely.geometry import Point, Polygon

from zg_common.geo import Projection
from zg_video_index.spatial import CameraIndex, View

LAT, LON = 31.80, 117.29
PLANE = Projection(LAT, LON)


def index_with(*cameras: tuple[str, float, float, View], cell_m: float = 100.0) -> CameraIndex:
    index = CameraIndex(PLANE, cell_m=cell_m)
    for camera_id, lat, lon, view in cameras:
        index.upsert(camera_id, lat, lon, view)
    return index


def at(bearing: float, distance: float) -> tuple[float, float]:
    return PLANE.offset(LAT, LON, bearing, distance)


def sees(index: CameraIndex, bearing: float, distance: float) -> bool:
    return "C" in {c for c, _ in index.covering(*at(bearing, distance))}


def test_the_wedge_inside_outside_and_exactly_at_its_edges_and_range() -> None:
    index = index_with(("C", LAT, LON, View(heading_deg=90, fov_deg=60, range_m=100)))
    assert sees(index, 90, 50)  # straight ahead
    assert sees(index, 60, 99.9) and sees(index, 120, 99.9)  # exactly on the edges
    assert sees(index, 90, 100)  # exactly at the range
    assert not sees(index, 90, 100.01)  # just beyond it
    assert not sees(index, 59.9, 50) and not sees(index, 120.1, 50)  # just outside the wedge
    assert not sees(index, 270, 10)  # behind
    assert sees(index, 0, 0)  # where it stands
    ((camera, distance),) = index.covering(*at(90, 50))
    assert camera == "C" and distance == pytest.approx(50, abs=1e-6)


@pytest.mark.parametrize("heading", [350.0, -10.0, 710.0])
def test_headings_wrap_past_360_degrees(heading: float) -> None:
    index = index_with(("C", LAT, LON, View(heading_deg=heading, fov_deg=40, range_m=80)))
    assert sees(index, 0, 40) and sees(index, 5, 40) and sees(index, 330, 40)
    assert sees(index, 10, 40) and sees(index, 350, 40)
    assert not sees(index, 10.1, 40) and not sees(index, 329.9, 40)
    assert not sees(index, 180, 40)


def test_an_all_round_unit_sees_every_direction_and_moving_it_moves_what_it_sees() -> None:
    index = index_with(("C", LAT, LON, View(fov_deg=360, range_m=30)))
    assert all(sees(index, b, 30) for b in range(0, 360, 15))
    assert not sees(index, 45, 30.01)
    lat, lon = at(0, 500)
    index.upsert("C", lat, lon, View(fov_deg=360, range_m=30))  # the officer walked on
    assert not sees(index, 45, 10)
    assert "C" in {c for c, _ in index.covering(*PLANE.offset(lat, lon, 200, 20))}
    assert index.remove("C") and not index.remove("C")
    assert index.covering(lat, lon) == [] and len(index) == 0


def test_a_long_range_camera_far_away_is_still_found() -> None:
    """The search reaches as far as the longest range, across many cells."""
    lat, lon = at(270, 900)
    index = index_with(
        ("far", lat, lon, View(heading_deg=90, fov_deg=10, range_m=1000)),
        ("near", LAT, LON, View(range_m=5)),
        cell_m=50,
    )
    assert [c for c, _ in index.covering(LAT, LON)] == ["near", "far"]
    index.remove("far")  # the longest range goes: the search narrows again
    assert index._max_range == 5


def random_cameras(count: int, seed: int) -> list[tuple[str, float, float, View]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        lat, lon = at(rng.uniform(0, 360), rng.uniform(0, 2000))
        view = View(
            heading_deg=rng.uniform(-720, 720),
            fov_deg=rng.choice([30, 60, 90, 120, 360]),
            range_m=rng.uniform(10, 300),
        )
        out.append((f"C{n:05d}", lat, lon, view))
    return out


def brute_covering(
    cameras: list[tuple[str, float, float, View]], lat: float, lon: float
) -> set[str]:
    px, py = PLANE.to_xy(lat, lon)
    seen = set()
    for camera_id, clat, clon, view in cameras:
        cx, cy = PLANE.to_xy(clat, clon)
        distance = math.hypot(px - cx, py - cy)
        bearing = math.degrees(math.atan2(px - cx, py - cy)) % 360
        off = abs((bearing - view.heading_deg % 360 + 180) % 360 - 180)
        if distance <= view.range_m and (view.fov_deg >= 360 or off <= view.fov_deg / 2):
            seen.add(camera_id)
    return seen


def test_covering_nearest_and_within_agree_with_brute_force() -> None:
    cameras = random_cameras(3000, seed=7)
    index = index_with(*cameras)
    rng = random.Random(11)
    for _ in range(200):
        lat, lon = at(rng.uniform(0, 360), rng.uniform(0, 2200))
        assert {c for c, _ in index.covering(lat, lon)} == brute_covering(cameras, lat, lon)
        px, py = PLANE.to_xy(lat, lon)
        distances = sorted(
            (math.hypot(px - PLANE.to_xy(a, b)[0], py - PLANE.to_xy(a, b)[1]), c)
            for c, a, b, _ in cameras
        )
        got = index.nearest(lat, lon, 5)
        assert [c for c, _ in got] == [c for _, c in distances[:5]]
        assert [d for _, d in got] == pytest.approx([d for d, _ in distances[:5]])
        within = index.nearest(lat, lon, 50, within_m=120)
        assert [c for c, _ in within] == [c for d, c in distances[:50] if d <= 120]

    square = Polygon([at(315, 700), at(45, 700), at(135, 700), at(225, 700)])
    square = Polygon([(lon, lat) for lat, lon in square.exterior.coords])
    inside = {c for c, lat, lon, _ in cameras if square.covers(Point(lon, lat))}
    assert set(index.within(square)) == inside and inside


def test_the_nearest_to_a_point_far_away_is_found_at_once() -> None:
    """A point far from every camera (another continent, a pole — a fuzzer's favourites) used
    to walk tens of thousands of empty rings of cells, holding the service's event loop for
    good; it is answered from all the cameras at once, as brute force would."""
    cameras = random_cameras(300, seed=9)
    index = index_with(*cameras)
    for lat, lon in ((0.0, 0.0), (-90.0, 0.0), (90.0, 180.0), at(30, 50_000)):
        px, py = PLANE.to_xy(lat, lon)
        distances = sorted(
            (math.hypot(px - PLANE.to_xy(a, b)[0], py - PLANE.to_xy(a, b)[1]), c)
            for c, a, b, _ in cameras
        )
        got = index.nearest(lat, lon, 3)
        assert [c for c, _ in got] == [c for _, c in distances[:3]]
        assert index.nearest(lat, lon, 3, within_m=1000) == []


def test_moving_many_cameras_keeps_the_index_right() -> None:
    cameras = random_cameras(500, seed=3)
    index = index_with(*cameras)
    rng = random.Random(5)
    moved = []
    for camera_id, _, _, view in cameras[:250]:  # half of them move somewhere else
        lat, lon = at(rng.uniform(0, 360), rng.uniform(0, 2000))
        index.upsert(camera_id, lat, lon, view)
        moved.append((camera_id, lat, lon, view))
    for camera_id, *_ in cameras[400:]:
        index.remove(camera_id)
    now = moved + cameras[250:400]
    assert len(index) == len(now) == 400
    for _ in range(100):
        lat, lon = at(rng.uniform(0, 360), rng.uniform(0, 2200))
        assert {c for c, _ in index.covering(lat, lon)} == brute_covering(now, lat, lon)


def test_a_view_is_checked() -> None:
    with pytest.raises(ValueError, match="field of view"):
        View(fov_deg=0)
    with pytest.raises(ValueError, match="field of view"):
        View(fov_deg=361)
    with pytest.raises(ValueError, match="range"):
        View(range_m=0)
