"""The default data set: deterministic, Fangxing-shaped, internally consistent."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from shapely.ops import unary_union

from tests.conftest import REPO
from zg_local import dataset

COMMITTED = REPO / "deploy" / "data" / "fangxing"


def load(name: str) -> Any:
    return json.loads((COMMITTED / name).read_text(encoding="utf-8"))


def test_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    dataset.write(tmp_path)
    for path in sorted(COMMITTED.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), (
            f"{path.name} differs: run `python -m zg_local dataset` and commit the result"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in COMMITTED.iterdir())


def test_shape_matches_the_brief() -> None:
    grids = load("grids.geojson")["features"]
    points = load("patrol_points.geojson")["features"]
    routes = load("routes.geojson")["features"]
    officers = load("officers.json")
    assert len(grids) == 14
    assert Counter(g["properties"]["zone_type"] for g in grids).keys() == {
        "core",
        "residential",
        "scenic",
        "vacant",
    }
    assert len(points) == 1149
    assert len(routes) == 20
    assert [o["badge"] for o in officers] == [f"ZG{i:03d}" for i in range(1, 131)]
    on_routes = [pid for r in routes for pid in r["properties"]["point_ids"]]
    assert sorted(on_routes) == sorted(p["properties"]["id"] for p in points), (
        "every point on one route"
    )


def test_geometry_is_a_tiling_of_the_district_near_fangxing() -> None:
    district = shape(load("district.geojson")["features"][0]["geometry"])
    grids = [shape(f["geometry"]) for f in load("grids.geojson")["features"]]
    assert district.is_valid and all(g.is_valid for g in grids)
    assert abs(unary_union(grids).area - district.area) < 1e-9
    assert sum(g.area for g in grids) - district.area < 1e-9, "grids overlap"
    assert district.contains(Point(117.30, 31.80))
    area_km2 = load("district.geojson")["features"][0]["properties"]["area_m2"] / 1e6
    assert 3 < area_km2 < 12
    for f in load("patrol_points.geojson")["features"]:
        grid = next(
            g
            for g in load("grids.geojson")["features"]
            if g["properties"]["id"] == f["properties"]["grid_id"]
        )
        assert shape(grid["geometry"]).contains(shape(f["geometry"]))


def test_rules_name_real_categories_grids_and_departments() -> None:
    minors = {m["code"] for c in load("categories.json") for m in c["children"]}
    grids = {g["properties"]["id"] for g in load("grids.geojson")["features"]}
    departments = {d["id"]: d for d in load("departments.json")}
    table = load("routing_rules.json")
    assert table["fallback_department_id"] in departments
    for rule in table["rules"]:
        assert rule["category"] in minors
        assert rule["grid_id"] is None or rule["grid_id"] in grids
        assert rule["department_id"] in departments
    assert {d["mode"] for d in departments.values()} == {
        "command",
        "coordinated",
        "entrusted",
        "assessed",
    }


def test_the_cameras_are_the_briefs_in_plausible_places() -> None:
    cameras = load("cameras.geojson")["features"]
    kinds = Counter(c["properties"]["kind"] for c in cameras)
    assert kinds == {"public_security": 1187, "compound": 538, "body": 130, "vehicle": 3}
    assert len({c["properties"]["id"] for c in cameras}) == 1858
    district = unary_union([shape(g["geometry"]) for g in load("grids.geojson")["features"]])
    near = district.buffer(0.0005)  # poles on the boundary roads stand a few metres either side
    assert all(near.covers(Point(c["geometry"]["coordinates"])) for c in cameras)
    badges = {o["badge"] for o in load("officers.json")}
    assert {c["properties"]["id"][3:] for c in cameras if c["properties"]["kind"] == "body"} == (
        badges
    )
    for c in cameras:
        p = c["properties"]
        assert 0 < p["fov_deg"] <= 360 and p["range_m"] > 0
        assert p["heading_deg"] is None or 0 <= p["heading_deg"] < 360
        assert (p["heading_deg"] is None) == (p["fov_deg"] == 360), p["id"]
        assert p["stream_url"].startswith("rtsp://") and ".invalid/" in p["stream_url"]
