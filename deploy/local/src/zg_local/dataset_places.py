"""Where the default data set's things are: its seed and centre, and local metres east and
north of the centre as WGS84 (shared by `dataset` and `dataset_cameras`)."""

from __future__ import annotations

import math
import random
from typing import Any

SEED = 20160401  # the month the 大综管 reform started
CENTER_LAT, CENTER_LON = 31.8000, 117.3000
COLS, ROWS = 7, 2  # 14 grids
WIDTH_M, HEIGHT_M = 3300.0, 1900.0
M_PER_DEG_LAT = 110_940.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTER_LAT))


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Local metres east/north of the centre to WGS84 lon/lat (6 decimals, ~0.1 m)."""
    return (round(CENTER_LON + x / M_PER_DEG_LON, 6), round(CENTER_LAT + y / M_PER_DEG_LAT, 6))


def feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def ring(coords_m: list[tuple[float, float]]) -> list[list[float]]:
    ll = [list(to_lonlat(x, y)) for x, y in coords_m]
    return [*ll, ll[0]]


def lattice(rng: random.Random) -> list[list[tuple[float, float]]]:
    """Jittered (COLS+1)x(ROWS+1) vertices in metres; shared vertices keep the grids a tiling."""
    dx, dy = WIDTH_M / COLS, HEIGHT_M / ROWS
    pts = []
    for r in range(ROWS + 1):
        row = []
        for c in range(COLS + 1):
            x, y = -WIDTH_M / 2 + c * dx, -HEIGHT_M / 2 + r * dy
            x += rng.uniform(-0.12, 0.12) * dx
            y += rng.uniform(-0.12, 0.12) * dy
            row.append((x, y))
        pts.append(row)
    return pts


def largest_remainder(weights: list[float], total: int) -> list[int]:
    s = sum(weights)
    raw = [w / s * total for w in weights]
    out = [int(v) for v in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - out[i], -i), reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def nearest_neighbour_order(
    points: list[tuple[str, float, float]],
) -> list[tuple[str, float, float]]:
    todo = sorted(points, key=lambda p: (p[1], p[2]))
    route = [todo.pop(0)]
    while todo:
        _, x, y = route[-1]
        i = min(range(len(todo)), key=lambda k: (todo[k][1] - x) ** 2 + (todo[k][2] - y) ** 2)
        route.append(todo.pop(i))
    return route
