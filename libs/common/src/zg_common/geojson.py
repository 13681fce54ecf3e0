"""GeoJSON (RFC 7946) response models for anything drawn on a map. Geometries are typed by
geojson-pydantic (so the OpenAPI document shows a Point's position, a Polygon's rings); the
Feature and FeatureCollection are ours, generic over their properties, the collection with a
`next_cursor` foreign member for paging."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from fastapi.responses import JSONResponse
from geojson_pydantic.geometries import Geometry, LineString, Point, Polygon
from pydantic import BaseModel, TypeAdapter

__all__ = [
    "GEOJSON_MEDIA_TYPE",
    "Feature",
    "FeatureCollection",
    "GeoJSONResponse",
    "Geometry",
    "LineString",
    "Point",
    "Polygon",
    "geometry_of",
    "line",
    "point",
]

GEOJSON_MEDIA_TYPE = "application/geo+json"

P = TypeVar("P", bound=BaseModel)

_GEOMETRY: TypeAdapter[Geometry] = TypeAdapter(Geometry)


def point(lon: float, lat: float) -> Point:
    return Point(type="Point", coordinates=(lon, lat))


def line(coordinates: list[list[float]]) -> LineString | Point:
    """A LineString through the positions; a Point for a single one."""
    if len(coordinates) == 1:
        return point(coordinates[0][0], coordinates[0][1])
    return LineString(type="LineString", coordinates=[(c[0], c[1]) for c in coordinates])


def geometry_of(data: dict[str, Any]) -> Geometry:
    """A stored GeoJSON geometry (a grid's polygon, a route's line) as its typed model."""
    return _GEOMETRY.validate_python(data)


class Feature(BaseModel, Generic[P]):
    type: Literal["Feature"] = "Feature"
    id: str | None = None
    geometry: Geometry
    properties: P


class FeatureCollection(BaseModel, Generic[P]):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature[P]]
    next_cursor: str | None = None  # foreign member (RFC 7946 §6.1) for paging


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON_MEDIA_TYPE
