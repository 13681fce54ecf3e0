"""Geometry of the territory the planner needs: where a grid's officers start and end a shift."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any


def _ring_centroid(ring: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    """Area-weighted centroid (x, y) and signed area of a closed ring, planar (a grid is small
    enough for degrees to be a plane)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return sum(xs) / len(xs), sum(ys) / len(ys), 0.0
    return cx / (6 * area), cy / (6 * area), area


def grid_base(geometry: Mapping[str, Any]) -> tuple[float, float]:
    """(lat, lon) of the grid's base (its duty station): the centroid of its largest part."""
    if geometry["type"] == "Polygon":
        parts = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        parts = list(geometry["coordinates"])
    else:
        raise ValueError(f"a grid is a polygon, not a {geometry['type']}")
    x, y, _ = max((_ring_centroid(p[0]) for p in parts), key=lambda c: abs(c[2]))
    return y, x
