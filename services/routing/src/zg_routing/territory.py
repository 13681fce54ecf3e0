"""Grids in memory with a spatial index: position -> grid without a table scan."""

from __future__ import annotations

from dataclasses import dataclass

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from zg_routing.models import Grid


@dataclass(frozen=True)
class GridRef:
    id: str
    zone_type: str


class GridIndex:
    def __init__(self, grids: list[Grid]) -> None:
        if not grids:
            raise ValueError("routing has no grids loaded")
        self.refs = [GridRef(g.id, g.zone_type) for g in grids]
        self.shapes: list[BaseGeometry] = [shape(g.geometry) for g in grids]
        self.tree = STRtree(self.shapes)

    def locate(self, lat: float, lon: float) -> GridRef:
        """The grid covering the point; on a shared edge the lowest id; outside, the nearest."""
        point = Point(lon, lat)
        hits = sorted(int(i) for i in self.tree.query(point, predicate="covered_by"))
        if hits:
            return self.refs[hits[0]]
        return self.refs[int(self.tree.nearest(point))]
