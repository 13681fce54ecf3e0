"""The default data set's street lights (part of `dataset`): a pole every 30 m along the roads
between the grids (the lattice's edges), one circuit per road section fed from the cabinet at
its western or southern crossing, and the switching schedule by season and sunset."""

from __future__ import annotations

import math
import random
from typing import Any

from shapely.geometry import Point, shape

from zg_local import catalogue as cat
from zg_local.dataset_places import COLS, ROWS, SEED, lattice, to_lonlat

SPACING_M = 30.0
LAMPS_W = (100, 120, 150)  # LED heads; arterial sections the brightest


def lights(files: dict[str, Any]) -> dict[str, Any]:
    v = lattice(random.Random(SEED))  # the same lattice the grids were cut from
    rng = random.Random(SEED + 19)
    grids = [
        (g["properties"]["id"], shape(g["geometry"])) for g in files["grids.geojson"]["features"]
    ]

    def grid_of(lon: float, lat: float) -> str:
        """The grid the pole stands in, or on whose edge (rounding may put it just outside)."""
        point = Point(lon, lat)
        nearest: str = min(grids, key=lambda g: (g[1].distance(point), g[0]))[0]
        return nearest

    # east-west roads along the lattice's rows, north-south roads along its columns
    ew_roads, ns_roads = cat.ROADS[: ROWS + 1], cat.ROADS[ROWS + 1 : ROWS + 1 + COLS + 1]
    cabinets = [
        {
            "id": f"XB-{r * (COLS + 1) + c + 1:02d}",
            "name": f"{ew_roads[r]}与{ns_roads[c]}交口配电箱",
            "lon": to_lonlat(*v[r][c])[0],
            "lat": to_lonlat(*v[r][c])[1],
        }
        for r in range(ROWS + 1)
        for c in range(COLS + 1)
    ]
    sections = [((r, c), (r, c + 1), ew_roads[r]) for r in range(ROWS + 1) for c in range(COLS)]
    sections += [((r, c), (r + 1, c), ns_roads[c]) for c in range(COLS + 1) for r in range(ROWS)]
    circuits: list[dict[str, Any]] = []
    poles: list[dict[str, Any]] = []
    for n, ((r0, c0), (r1, c1), road) in enumerate(sections, start=1):
        cid = f"LC-{n:02d}"
        (x0, y0), (x1, y1) = v[r0][c0], v[r1][c1]
        length = math.dist((x0, y0), (x1, y1))
        watts = rng.choice(LAMPS_W)
        circuits.append(
            {
                "id": cid,
                "name": f"{road}{n}号回路",
                "road": road,
                "cabinet_id": f"XB-{r0 * (COLS + 1) + c0 + 1:02d}",
                "lamp_w": watts,
            }
        )
        for k in range(int(length // SPACING_M)):
            t = (k + 0.5) * SPACING_M / length
            lon, lat = to_lonlat(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            poles.append(
                {
                    "id": f"LD-{len(poles) + 1:04d}",
                    "pole": f"{road}{k + 1:02d}号杆",
                    "circuit_id": cid,
                    "grid_id": grid_of(lon, lat),
                    "lon": lon,
                    "lat": lat,
                    "lamp_w": watts,
                }
            )
    return {
        "timezone": "+08:00",
        # switched on a little after sunset and off a little before sunrise (later and earlier
        # in the long summer dusks), dimmed in the small hours
        "schedule": {
            "latitude": 31.8,
            "longitude": 117.3,
            "seasons": [
                {"name": "summer", "months": [5, 6, 7, 8, 9], "on_after_sunset_min": 15,
                 "off_before_sunrise_min": 15},
                {"name": "winter", "months": [11, 12, 1, 2], "on_after_sunset_min": 0,
                 "off_before_sunrise_min": 0},
                {"name": "spring_autumn", "months": [3, 4, 10], "on_after_sunset_min": 10,
                 "off_before_sunrise_min": 10},
            ],
            "dim": {"from": "23:30", "to": "05:00", "level_pct": 50},
        },
        "cabinets": cabinets,
        "circuits": circuits,
        "lights": poles,
    }  # fmt: skip
