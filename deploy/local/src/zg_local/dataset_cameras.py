"""The default data set's cameras: poles along the arterial roads and at roadside points,
compound gates, a body camera per officer, three vehicles (part of `dataset`)."""

from __future__ import annotations

import math
import random
from typing import Any

from shapely.geometry import Polygon

from zg_local import catalogue as cat
from zg_local.dataset_places import (
    CENTER_LAT,
    CENTER_LON,
    COLS,
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    ROWS,
    SEED,
    feature,
    to_lonlat,
)

# 方兴's video, as the brief counts it: public security (天网), residential compounds, the
# officers' body cameras, the vehicles
CAMERA_COUNTS = {"public_security": 1187, "compound": 538, "body": 130, "vehicle": 3}

STREAMS = "rtsp://nvr.fangxing.invalid/live"  # a reserved domain: the demo has no video server

ROADSIDE = ("road", "intersection", "bus_stop", "school", "market", "government_office")


def cameras(
    v: list[list[tuple[float, float]]],
    cells: list[tuple[str, str, Polygon, int]],
    points: list[dict[str, Any]],
    officers: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The cameras in plausible places: public-security cameras on poles along the arterial
    roads (the grid boundaries, both directions, every 60 m) and at roadside points (more in the
    core area); compound cameras at compound gates (in and out) and in residential grids; a body
    camera per officer at their grid's base; three vehicles at the district centre. A generator
    of its own, so the other files stay as they were."""
    rng = random.Random(SEED + 7)
    out: list[dict[str, Any]] = []

    def add(kind: str, number: str, x: float, y: float, **props: Any) -> None:
        lon, lat = to_lonlat(x, y)
        out.append(
            feature(
                {"type": "Point", "coordinates": [lon, lat]},
                {"id": number, "kind": kind, **props, "stream_url": f"{STREAMS}/{number}"},
            )
        )

    # along the roads between the grids
    spots: list[tuple[float, float, float]] = []
    edges = [(v[r][c], v[r][c + 1]) for r in range(ROWS + 1) for c in range(COLS)]
    edges += [(v[r][c], v[r + 1][c]) for r in range(ROWS) for c in range(COLS + 1)]
    for (x0, y0), (x1, y1) in edges:
        length = math.dist((x0, y0), (x1, y1))
        heading = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360
        for k in range(int(length // 60)):
            t = (k + 0.5) * 60 / length
            x, y = x0 + t * (x1 - x0) + rng.uniform(-4, 4), y0 + t * (y1 - y0) + rng.uniform(-4, 4)
            spots.append((x, y, heading if k % 2 == 0 else (heading + 180) % 360))
    roadside = [f for f in points if f["properties"]["object_type"] in ROADSIDE]
    rng.shuffle(roadside)
    roadside.sort(key=lambda f: f["properties"]["zone_type"] != "core")  # the core first
    wanted = CAMERA_COUNTS["public_security"]
    for f in roadside:
        if len(spots) >= wanted:
            break
        x, y = _metres(f)
        spots.append((x + rng.uniform(-8, 8), y + rng.uniform(-8, 8), rng.uniform(0, 360)))
    while len(spots) < wanted:  # more poles around the core area's points
        f = rng.choice(roadside)
        x, y = _metres(f)
        spots.append((x + rng.uniform(-40, 40), y + rng.uniform(-40, 40), rng.uniform(0, 360)))
    for n, (x, y, heading) in enumerate(spots[:wanted], start=1):
        road = rng.choice(cat.ROADS)
        add(
            "public_security",
            f"TW-{n:05d}",
            x,
            y,
            name=f"{road}{n}号杆",
            owner="合肥市公安局包河分局",
            height_m=round(rng.uniform(5.5, 8.0), 1),
            heading_deg=round(heading, 1) % 360,
            fov_deg=rng.choice([60, 75, 90]),
            range_m=rng.choice([100, 120, 150]),
        )

    gates = [f for f in points if f["properties"]["object_type"] == "compound_gate"]
    residential = [f for f in points if f["properties"]["zone_type"] == "residential"]
    number = 0
    for f in gates + [rng.choice(residential) for _ in range(CAMERA_COUNTS["compound"])]:
        for side in (0, 180):
            if number >= CAMERA_COUNTS["compound"]:
                break
            number += 1
            x, y = _metres(f)
            name = f["properties"]["name"]
            add(
                "compound",
                f"XQ-{number:05d}",
                x + rng.uniform(-6, 6),
                y + rng.uniform(-6, 6),
                name=f"{name}{'出' if side else '入'}口",
                owner=f"{name[:4]}小区物业",
                height_m=round(rng.uniform(2.8, 3.5), 1),
                heading_deg=round((rng.uniform(0, 360) + side) % 360, 1) % 360,
                fov_deg=90,
                range_m=rng.choice([30, 40, 50]),
            )

    base = {gid: poly.centroid for gid, _, poly, _ in cells}
    for officer in officers[: CAMERA_COUNTS["body"]]:
        centre = base[officer["grid_id"]]
        add(
            "body",
            f"JL-{officer['badge']}",
            centre.x,
            centre.y,
            name=f"{officer['name']}执法记录仪 ({officer['badge']})",
            owner="方兴综合执法队",
            height_m=None,
            heading_deg=None,
            fov_deg=360,
            range_m=30,
        )
    for n in range(1, CAMERA_COUNTS["vehicle"] + 1):
        add(
            "vehicle",
            f"CZ-{n:02d}",
            rng.uniform(-50, 50),
            rng.uniform(-50, 50),
            name=f"执法车{n}号车载",
            owner="方兴综合执法队",
            height_m=1.6,
            heading_deg=None,
            fov_deg=360,
            range_m=50,
        )
    return out


def _metres(point: dict[str, Any]) -> tuple[float, float]:
    lon, lat = point["geometry"]["coordinates"]
    return (lon - CENTER_LON) * M_PER_DEG_LON, (lat - CENTER_LAT) * M_PER_DEG_LAT
