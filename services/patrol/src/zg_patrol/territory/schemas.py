"""API models of the territory (zone types, grids, points, routes, officers, absences)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zg_common.geojson import Feature, geometry_of, point
from zg_patrol.models import Grid, PatrolPoint, Route

ZoneTypeId = Literal["core", "residential", "scenic", "vacant"]


class ZoneTypeRead(BaseModel):
    id: ZoneTypeId
    name: str
    name_en: str


class GridProperties(BaseModel):
    id: str
    code: str
    name: str
    name_en: str
    zone_type: ZoneTypeId
    area_m2: int


class PatrolPointProperties(BaseModel):
    id: str
    code: str
    grid_id: str
    object_type: str
    name: str
    address: str
    work_focus: str
    standard: str


class RouteProperties(BaseModel):
    id: str
    name: str
    name_en: str
    grid_id: str
    point_ids: list[str]
    length_m: int


class OfficerRead(BaseModel):
    badge: str
    name: str
    grid_id: str
    shift: Literal["day", "evening", "night"]
    certificate: str


class PointCard(BaseModel):
    """What a scan shows: the point, its work focus and management standard."""

    id: str
    code: str
    name: str
    address: str
    grid_id: str
    object_type: str
    work_focus: str
    standard: str
    lat: float = Field(description="where it is: a report of a problem here uses this place")
    lon: float


class Reasoned(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=500, description="why (kept in the change log)")


class PointCreate(Reasoned):
    grid_id: str = Field(pattern=r"^G\d{2,3}$")
    object_type: str = Field(min_length=1, max_length=40, examples=["construction_site"])
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=300)
    lat: float = Field(ge=-90, le=90, description="WGS84, inside the grid")
    lon: float = Field(ge=-180, le=180)
    work_focus: str | None = Field(
        default=None, max_length=2000, description="the object type's when not given"
    )
    standard: str | None = Field(default=None, max_length=2000)


class Patch(Reasoned):
    """A change of some fields: those left out stay; none can be set to null."""

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any) -> Any:  # runs for the fields given, not the defaults
        if value is None:
            raise ValueError("leave the field out to keep it; it cannot be null")
        return value


class PointUpdate(Patch):
    grid_id: str | None = Field(default=None, pattern=r"^G\d{2,3}$")
    object_type: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, min_length=1, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    work_focus: str | None = Field(default=None, min_length=1, max_length=2000)
    standard: str | None = Field(default=None, min_length=1, max_length=2000)


class OfficerCreate(Reasoned):
    badge: str = Field(pattern=r"^[A-Z]{2}\d{3,6}$")
    name: str = Field(min_length=1, max_length=50)
    grid_id: str = Field(pattern=r"^G\d{2,3}$")
    shift: Literal["day", "evening", "night"]
    certificate: str = Field(min_length=1, max_length=50, description="the law-enforcement card")


class OfficerUpdate(Patch):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    grid_id: str | None = Field(default=None, pattern=r"^G\d{2,3}$")
    shift: Literal["day", "evening", "night"] | None = None
    certificate: str | None = Field(default=None, min_length=1, max_length=50)


class AbsenceCreate(Reasoned):
    day: date = Field(description="the day the officer's shift starts on")
    from_time: time | None = Field(
        default=None, description="local time of day; the shift's start when not given"
    )


class AbsenceRead(BaseModel):
    id: int
    badge: str
    day: date
    shift: str
    from_at: datetime
    reason: str
    recorded_by: str
    recorded_at: datetime


class RouteUpdate(Reasoned):
    point_ids: list[str] = Field(min_length=2, max_length=500, description="in walking order")


def grid_feature(g: Grid) -> Feature[GridProperties]:
    return Feature[GridProperties](
        id=g.id,
        geometry=geometry_of(g.geometry),
        properties=GridProperties.model_validate(g, from_attributes=True),
    )


def point_feature(p: PatrolPoint) -> Feature[PatrolPointProperties]:
    return Feature[PatrolPointProperties](
        id=p.id,
        geometry=point(p.lon, p.lat),
        properties=PatrolPointProperties.model_validate(p, from_attributes=True),
    )


def route_feature(r: Route) -> Feature[RouteProperties]:
    return Feature[RouteProperties](
        id=r.id,
        geometry=geometry_of(r.geometry),
        properties=RouteProperties.model_validate(r, from_attributes=True),
    )
