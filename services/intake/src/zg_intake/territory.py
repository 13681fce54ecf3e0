"""Reference data held in memory, so that a report is checked and placed without a query: the
district outline, the category tree, grids and patrol points (loaded at start, after the data
set)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

from zg_common.geo import AreaIndex, PointIndex, haversine_m
from zg_common.pointcodes import Keyring
from zg_intake.attributes import AttributeDef


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
    # a report within this radius and window of an open case of the category joins it
    duplicate_radius_m: int | None = None
    duplicate_window_h: int | None = None
    name: str = ""
    name_en: str = ""
    major_name: str = ""
    attributes: tuple[AttributeDef, ...] = ()


class CategoryIndex:
    """Minor categories by code. Built at start from the intake schema."""

    def __init__(self, minors: dict[str, CategoryRef]) -> None:
        self.minors = minors

    def minor(self, code: str) -> CategoryRef | None:
        return self.minors.get(code)

    def all(self) -> list[CategoryRef]:
        return [self.minors[code] for code in sorted(self.minors)]


@dataclass(frozen=True)
class GridRef:
    id: str
    zone_type: str


@dataclass(frozen=True)
class PointRef:
    id: str
    grid_id: str
    name: str
    address: str
    lat: float
    lon: float
    code_serial: int = 0  # its signed codes of a lower serial are void


@dataclass(frozen=True)
class Place:
    """Where a report is, resolved: grid, zone type and the nearest patrol point."""

    lat: float
    lon: float
    grid: GridRef
    point: PointRef | None
    point_distance_m: float | None


class Territory:
    """Grids and patrol points in memory with spatial indexes: built at start, rebuilt in place
    when patrol's changes reach intake's copy (whoever holds it sees the new one)."""

    # a patrol point farther than this is not "the nearest point" of a report
    NEAREST_POINT_M = 300.0

    def __init__(self, grids: list[tuple[dict[str, Any], GridRef]], points: list[PointRef]):
        self.update(grids, points)

    def update(self, grids: list[tuple[dict[str, Any], GridRef]], points: list[PointRef]) -> None:
        """Swap in new indexes (built first, then assigned: a reader never sees half of it)."""
        area = AreaIndex(sorted(grids, key=lambda g: g[1].id))
        by_id = {p.id: p for p in points}
        index = PointIndex([(p.lat, p.lon, p) for p in points])
        self.grids, self.points, self.point_index = area, by_id, index

    def point(self, point_id: str) -> PointRef | None:
        return self.points.get(point_id)

    def resolve(self, lat: float, lon: float, *, point: PointRef | None = None) -> Place:
        grid = self.grids.locate(lat, lon)
        if point is not None:
            return Place(lat, lon, grid, point, haversine_m(lat, lon, point.lat, point.lon))
        nearest = self.point_index.nearest(lat, lon, within_m=self.NEAREST_POINT_M)
        if nearest is None:
            return Place(lat, lon, grid, None, None)
        return Place(lat, lon, grid, nearest[0], nearest[1])


@dataclass(frozen=True)
class Reference:
    """Everything a report is checked and placed against, built once at start."""

    district: DistrictOutline
    categories: CategoryIndex
    territory: Territory
    point_codes: Keyring = field(default_factory=lambda: Keyring(()))  # patrol's public keys
