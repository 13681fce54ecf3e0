"""The district outline, held in memory so every report is checked without a query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep


@dataclass(frozen=True)
class DistrictOutline:
    geometry: BaseGeometry
    prepared: PreparedGeometry

    @classmethod
    def from_geojson(cls, geometry: dict[str, Any]) -> DistrictOutline:
        geom = shape(geometry)
        return cls(geom, prep(geom))

    def contains(self, lat: float, lon: float) -> bool:
        return bool(self.prepared.covers(Point(lon, lat)))
