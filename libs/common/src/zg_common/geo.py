"""Geometry every service needs: distances, China's GCJ-02 map datum, and in-memory spatial
indexes (which area covers a position; the nearest point) that answer without a table scan."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

T = TypeVar("T")

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# --- GCJ-02 ---------------------------------------------------------------------------------
# The datum of every map app in mainland China (AMap, Tencent; Baidu adds its own BD-09 on top).
# Positions from those apps are offset by 100-700 m from WGS84; the published forward formula
# is below, and its inverse is solved by fixed-point iteration (to well under a centimetre).
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _out_of_china(lat: float, lon: float) -> bool:
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _delta(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    waves = (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + waves
    dlat += (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
    dlat += (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3
    dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + waves
    dlon += (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
    dlon += (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3
    rad = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if _out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    if _out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        dlat, dlon = glat - lat, glon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if abs(dlat) < 1e-10 and abs(dlon) < 1e-10:
            break
    return wlat, wlon


def to_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """A position in WGS84 from one in `crs` ("WGS84" or "GCJ02")."""
    if crs == "GCJ02":
        return gcj02_to_wgs84(lat, lon)
    if crs == "WGS84":
        return lat, lon
    raise ValueError(f"unknown coordinate reference system {crs!r}")


class Projection:
    """Latitude/longitude to metres east and north of a reference point, and back (the local
    tangent plane, equirectangular: exact enough over a district)."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.m_per_deg_lat = EARTH_RADIUS_M * math.pi / 180
        self.m_per_deg_lon = self.m_per_deg_lat * math.cos(math.radians(lat0))

    def to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.m_per_deg_lon, (lat - self.lat0) * self.m_per_deg_lat

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.m_per_deg_lat, self.lon0 + x / self.m_per_deg_lon

    def offset(
        self, lat: float, lon: float, bearing_deg: float, distance_m: float
    ) -> tuple[float, float]:
        """The place `distance_m` from (lat, lon) towards `bearing_deg`, in this plane."""
        x, y = self.to_xy(lat, lon)
        b = math.radians(bearing_deg)
        return self.to_latlon(x + distance_m * math.sin(b), y + distance_m * math.cos(b))


# --- spatial indexes ------------------------------------------------------------------------


class AreaIndex(Generic[T]):
    """Polygons with a value each: the value of the area covering a position (on a shared edge
    the first one given; outside every area, the nearest)."""

    def __init__(self, areas: Sequence[tuple[dict[str, Any], T]]) -> None:
        if not areas:
            raise ValueError("an area index needs at least one area")
        self.values = [value for _, value in areas]
        self.shapes: list[BaseGeometry] = [shape(geometry) for geometry, _ in areas]
        self.tree = STRtree(self.shapes)

    def covering(self, lat: float, lon: float) -> T | None:
        hits = self.tree.query(Point(lon, lat), predicate="covered_by")
        return self.values[min(int(i) for i in hits)] if len(hits) else None

    def locate(self, lat: float, lon: float) -> T:
        found = self.covering(lat, lon)
        if found is not None:
            return found
        return self.values[int(self.tree.nearest(Point(lon, lat)))]


class PointIndex(Generic[T]):
    """Points with a value each, indexed in a local metric projection (equirectangular around
    their mean latitude: exact enough over a district) for nearest-point questions in metres."""

    def __init__(self, points: Sequence[tuple[float, float, T]]) -> None:
        if not points:
            raise ValueError("a point index needs at least one point")
        self.projection = Projection(
            sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
        )
        self.positions = [(lat, lon) for lat, lon, _ in points]
        self.values = [value for _, _, value in points]
        self.tree = STRtree([self._project(lat, lon) for lat, lon, _ in points])

    def _project(self, lat: float, lon: float) -> Point:
        return Point(*self.projection.to_xy(lat, lon))

    def nearest(self, lat: float, lon: float, *, within_m: float) -> tuple[T, float] | None:
        """The nearest point and its distance in metres, if one lies within `within_m`."""
        index = self.tree.nearest(self._project(lat, lon))
        if index is None:
            return None
        plat, plon = self.positions[int(index)]
        distance = haversine_m(lat, lon, plat, plon)
        return (self.values[int(index)], distance) if distance <= within_m else None
