"""API models of intake (requests and responses; never ORM rows)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CATEGORY_CODE = r"^[CE]\d{4}$"


class CaseCreate(BaseModel):
    """A new case: minor category code, WGS84 position, description."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str = Field(
        pattern=CATEGORY_CODE,
        examples=["E0403"],
        description="minor category code (GET /api/v1/categories)",
    )
    lat: float = Field(ge=-90, le=90, examples=[31.8012], description="WGS84 latitude")
    lon: float = Field(ge=-180, le=180, examples=[117.3021], description="WGS84 longitude")
    description: str = Field(min_length=1, max_length=2000, examples=["Car parked on the pavement"])
    reporter_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="how to address the reporter; for the reporter and the command centre only",
    )
    reporter_phone: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9][0-9 -]{5,18}$",
        examples=["13800000000"],
        description="for call-backs; shown to the reporter and the command centre only",
    )
    media: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=9,
        description="ids of the caller's own uploads (POST /api/v1/media) to attach",
    )


class MediaRead(BaseModel):
    """An uploaded photo or video. `url` and `thumbnail_url` serve the copy without location;
    `original_url` (command centre only) the file as uploaded."""

    id: uuid.UUID
    kind: Literal["photo", "video"]
    purpose: str
    content_type: str = Field(description="type of the copy `url` serves")
    original_type: str
    size: int = Field(description="bytes of the original")
    sha256: str = Field(description="SHA-256 of the original, for evidence")
    width: int | None
    height: int | None
    location_removed: bool = Field(description="the original carried a location, removed here")
    url: str
    thumbnail_url: str | None
    original_url: str | None = None
    uploaded_at: datetime


class StatusChangeRead(BaseModel):
    status: str
    at: datetime
    note: str


class ReporterRead(BaseModel):
    name: str | None
    phone: str | None


class CaseRead(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    category: str
    lat: float
    lon: float
    description: str
    source: str
    grid_id: str | None
    zone_type: str | None
    department: str | None = Field(description="id of the department the case is dispatched to")
    department_name: str | None
    reported_at: datetime
    updated_at: datetime
    history: list[StatusChangeRead]
    media: list[MediaRead] = Field(default_factory=list)
    reporter: ReporterRead | None = Field(
        default=None, description="only for the reporter and the command centre"
    )


class CaseCreated(BaseModel):
    id: uuid.UUID
    number: str
    status: str


class CategoryRead(BaseModel):
    code: str
    kind: Literal["component", "event"]
    level: Literal["major", "minor"]
    name: str
    name_en: str
    duplicate_radius_m: int | None = None
    duplicate_window_h: int | None = None
    children: list[CategoryRead] = Field(default_factory=list)
