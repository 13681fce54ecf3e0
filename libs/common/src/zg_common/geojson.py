"""GeoJSON (RFC 7946) response models for anything drawn on a map."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel

GEOJSON_MEDIA_TYPE = "application/geo+json"

P = TypeVar("P", bound=BaseModel)


class Geometry(BaseModel):
    type: Literal["Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString", "MultiPoint"]
    coordinates: Any


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
