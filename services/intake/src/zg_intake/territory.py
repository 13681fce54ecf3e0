"""Reference data held in memory, so that a report is checked without a query: the district
outline and the category tree (loaded at start, after the data set)."""

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


@dataclass(frozen=True)
class CategoryRef:
    code: str
    kind: str


class CategoryIndex:
    """Minor categories by code. Built at start from the intake schema."""

    def __init__(self, minors: dict[str, CategoryRef]) -> None:
        self.minors = minors

    def minor(self, code: str) -> CategoryRef | None:
        return self.minors.get(code)
