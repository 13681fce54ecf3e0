"""The default data set's residential compounds (part of `dataset`): one per property company
that owns compound cameras (88), placed at its cameras in the residential grids, with its
gates (the camera spots near the main gate) and its buildings, from which the households
follow (building-unit-room, 3-2-0601, expanded by the access service). Residents are not
data: property staff register them."""

from __future__ import annotations

import math
import random
from typing import Any

from shapely.geometry import Point, shape

from zg_local import catalogue as cat
from zg_local.dataset_places import M_PER_DEG_LAT, M_PER_DEG_LON, SEED

GATE_NAMES = ("南门", "北门", "东门", "西门", "侧门")
GATE_NAMES_EN = ("south gate", "north gate", "east gate", "west gate", "side gate")
MAX_GATES = 4
GATE_REACH_M = 300.0  # a camera spot this near the main gate is one of the compound's gates


def compounds(files: dict[str, Any]) -> list[dict[str, Any]]:
    rng = random.Random(SEED + 18)
    grids = [
        (g["properties"]["id"], g["properties"]["zone_type"], shape(g["geometry"]))
        for g in files["grids.geojson"]["features"]
    ]
    residential_points = [
        f["geometry"]["coordinates"]
        for f in files["patrol_points.geojson"]["features"]
        if f["properties"]["zone_type"] == "residential"
    ]

    def grid_of(lon: float, lat: float) -> tuple[str, str]:
        point = Point(lon, lat)
        for gid, zone, poly in grids:
            if poly.covers(point):
                return gid, zone
        return "", ""  # outside the district

    by_owner: dict[str, list[dict[str, Any]]] = {}
    for f in files["cameras.geojson"]["features"]:
        if f["properties"]["kind"] == "compound":
            by_owner.setdefault(f["properties"]["owner"], []).append(f)
    out: list[dict[str, Any]] = []
    per_road: dict[str, int] = {}
    for n, (owner, cameras) in enumerate(by_owner.items(), start=1):
        spots = _spots(cameras)
        homes = [s for s in spots if grid_of(*s[0])[1] == "residential"]
        if homes:
            main = homes[0][0]
        else:  # no camera of this company in a residential grid: the nearest residential place
            first = spots[0][0]
            main = min(residential_points, key=lambda p: math.dist(p, first))
            homes = [((main[0], main[1]), [])]
        gates = [s for s in homes if _metres(s[0], main) <= GATE_REACH_M][:MAX_GATES]
        if len(gates) < 2:  # a pedestrian side gate without a camera, inside the grid
            side = (round(main[0] + 0.0001, 6), main[1])
            for _ in range(12):
                angle, d = rng.uniform(0, 2 * math.pi), rng.uniform(80, 140)
                spot = (
                    round(main[0] + d * math.cos(angle) / M_PER_DEG_LON, 6),
                    round(main[1] + d * math.sin(angle) / M_PER_DEG_LAT, 6),
                )
                if grid_of(*spot)[0] == grid_of(*main)[0]:
                    side = spot
                    break
            gates.append((side, []))
        roads = sorted(cat.ROADS, key=len, reverse=True)
        road = next((r for r in roads if owner.startswith(r)), "")
        per_road[road] = per_road.get(road, 0) + 1
        cid = f"CP{n:03d}"
        grid_id = grid_of(*main)[0]
        floors = rng.choice((6, 6, 11, 18))
        out.append(
            {
                "id": cid,
                "name": f"{road}第{per_road[road]}小区",
                "name_en": f"{road} compound {per_road[road]}",
                "property_company": owner,
                "grid_id": grid_id,
                "lon": round(main[0], 6),
                "lat": round(main[1], 6),
                "gates": [
                    {
                        "id": f"{cid}-G{k}",
                        "name": GATE_NAMES[min(k - 1, 4)],
                        "name_en": GATE_NAMES_EN[min(k - 1, 4)],
                        "lon": round(spot[0], 6),
                        "lat": round(spot[1], 6),
                        "grid_id": grid_of(*spot)[0],
                        "camera_ids": ids,
                    }
                    for k, (spot, ids) in enumerate(gates, start=1)
                ],
                "buildings": [
                    {
                        "number": b,
                        "units": rng.choice((1, 2, 2, 3)),
                        "floors": floors,
                        "per_floor": 2 if floors > 6 else rng.choice((2, 3)),
                    }
                    for b in range(1, rng.randint(5, 14) + 1)
                ],
            }
        )
    return out


def _spots(cameras: list[dict[str, Any]]) -> list[tuple[tuple[float, float], list[str]]]:
    """The company's camera places, each with the cameras there (a gate's in and out pair)."""
    spots: list[tuple[tuple[float, float], list[str]]] = []
    for f in cameras:
        lon, lat = f["geometry"]["coordinates"]
        for (slon, slat), ids in spots:
            if _metres((lon, lat), (slon, slat)) < 15:
                ids.append(f["properties"]["id"])
                break
        else:
            spots.append(((lon, lat), [f["properties"]["id"]]))
    return [((round(lon, 6), round(lat, 6)), ids) for (lon, lat), ids in spots]


def _metres(a: tuple[float, float] | list[float], b: tuple[float, float] | list[float]) -> float:
    return math.hypot((a[0] - b[0]) * M_PER_DEG_LON, (a[1] - b[1]) * M_PER_DEG_LAT)
