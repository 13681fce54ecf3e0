"""API models of patrol."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

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
