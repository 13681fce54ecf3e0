"""API models of intake (requests and responses; never ORM rows)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CATEGORY_CODE = r"^[CE]\d{4}$"
PATROL_POINT_ID = r"^P\d{4,6}$"


class ExternalRef(BaseModel):
    """The case's id in another system: a 12345 hotline order number, a partner's ticket."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    system: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_.-]{1,29}$",
        examples=["12345"],
        description="the other system; `12345` marks a hotline order",
    )
    id: str = Field(min_length=1, max_length=100, examples=["BH2026112700042"])


class CaseCreate(BaseModel):
    """A new case: minor category code, a position (or the patrol point whose QR code was
    scanned), description; optionally photos, address, urgency and the channel's references."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str = Field(
        pattern=CATEGORY_CODE,
        examples=["E0403"],
        description="minor category code (GET /api/v1/categories)",
    )
    lat: float | None = Field(
        default=None,
        ge=-90,
        le=90,
        examples=[31.8012],
        description="latitude in `crs`; required unless `patrol_point` is given",
    )
    lon: float | None = Field(
        default=None, ge=-180, le=180, examples=[117.3021], description="longitude in `crs`"
    )
    crs: Literal["WGS84", "GCJ02"] = Field(
        default="WGS84",
        description="datum of lat/lon: GCJ02 for positions from Chinese map apps (converted)",
    )
    patrol_point: str | None = Field(
        default=None,
        pattern=PATROL_POINT_ID,
        examples=["P0001"],
        description="the patrol point where an officer, the command centre or a partner "
        "system reports: it fixes place and grid (residents send the scanned `point_code`)",
    )
    point_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        examples=["ZGP2.P0001.0.20261201.Ab3dE5fG.<signature>"],
        description="what a patrol point's QR code carries, as scanned (a resident's report "
        '"there"): checked like an officer\'s check-in, it fixes place and grid',
    )
    address: str | None = Field(default=None, min_length=1, max_length=200)
    urgency: Literal["normal", "urgent"] = "normal"
    patrol_task: str | None = Field(
        default=None, min_length=1, max_length=50, description="officer's patrol task id"
    )
    resolved_on_site: bool = Field(
        default=False,
        description="officers only: fixed on the spot (自行处置); needs `before` and `after` "
        "photos among `media`",
    )
    external_ref: ExternalRef | None = Field(
        default=None, description="partner systems: their id of this case (unique per system)"
    )
    media_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https?://",
        description="a photo elsewhere (Open311 clients, camera snapshots)",
    )
    description: str = Field(min_length=1, max_length=4000, examples=["Car parked on the pavement"])
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
    attributes: dict[str, str | float | list[str]] = Field(
        default_factory=dict,
        max_length=20,
        description="answers to the category's questions (GET /api/v1/categories: attributes)",
        examples=[{"vehicle": "car", "plate": "皖A12345"}],
    )


class CaseMediaAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media: list[uuid.UUID] = Field(
        min_length=1,
        max_length=9,
        description="ids of the caller's own uploads (POST /api/v1/media, purpose `disposal`, "
        "`before`, `after` or `evidence`) to attach",
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
    text: str = Field(description="the status in plain words (Chinese / English), for the app")


class PublicStatusChange(BaseModel):
    """A step of a case as the public may see it: no note (notes may name people or places)."""

    status: str
    at: datetime
    text: str = Field(description="the status in plain words (Chinese / English)")


class FollowedCase(BaseModel):
    """The case a merged report joined, as its author may follow it: the public status and
    the plain-words history only. Following is not reading: the case's details, notes, media
    and people stay with those whose row rules give them the case."""

    id: uuid.UUID
    number: str
    status: str
    text: str = Field(description="the status in plain words (Chinese / English)")
    history: list[PublicStatusChange]


class ReporterRead(BaseModel):
    name: str | None
    phone: str | None


class CaseRead(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    category: str
    lat: float = Field(description="WGS84")
    lon: float = Field(description="WGS84")
    address: str | None
    urgency: str
    description: str
    source: str = Field(
        description="channel: resident_app, qr_scan, officer_handset, partner_api, "
        "hotline_12345, camera, command_centre"
    )
    grid_id: str | None
    zone_type: str | None
    patrol_point: str | None = Field(description="the scanned or the nearest patrol point")
    patrol_task: str | None
    resolved_on_site: bool
    external_ref: ExternalRef | None
    camera_id: str | None
    media_url: str | None
    attributes: dict[str, str | float | list[str]]
    department: str | None = Field(description="id of the department the case is dispatched to")
    department_name: str | None
    due_at: datetime | None = Field(
        default=None, description="disposal deadline in the department's working calendar"
    )
    time_limit: str | None = Field(default=None, examples=["4 working_hours"])
    reported_at: datetime
    updated_at: datetime
    report_count: int = Field(description="reports of this problem, merged duplicates included")
    merged_into: uuid.UUID | None = Field(description="the open case this report joined")
    history: list[StatusChangeRead]
    media: list[MediaRead] = Field(default_factory=list)
    reporter: ReporterRead | None = Field(
        default=None, description="only for the reporter and the command centre"
    )
    following: FollowedCase | None = Field(
        default=None,
        description="a merged report: the case it joined, its public status and history",
    )


class CaseRef(BaseModel):
    id: uuid.UUID
    number: str
    status: str


class CaseCreated(BaseModel):
    """The new report. `status: merged` means the same problem was already reported and this
    report joined that case (`merged_into`), which its reporter now follows."""

    id: uuid.UUID
    number: str
    status: str
    merged_into: CaseRef | None = None


class CaseSplitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=500, examples=["a different stall, 80 m away"])


class AttributeValue(BaseModel):
    key: str
    name: str


class AttributeRead(BaseModel):
    """One question of a category (the Open311 attribute model)."""

    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    description: str
    order: int
    datatype_description: str = ""
    values: list[AttributeValue] = Field(default_factory=list)


class CategoryRead(BaseModel):
    code: str
    kind: Literal["component", "event"]
    level: Literal["major", "minor"]
    name: str
    name_en: str
    duplicate_radius_m: int | None = None
    duplicate_window_h: int | None = None
    attributes: list[AttributeRead] = Field(
        default_factory=list, description="questions a report of this category answers"
    )
    children: list[CategoryRead] = Field(default_factory=list)


class CaseSummary(BaseModel):
    """A case in a list: enough for a row or a map pin; GET /api/v1/cases/{id} has the rest."""

    id: uuid.UUID
    number: str
    status: str
    category: str
    lat: float
    lon: float
    address: str | None
    urgency: str
    source: str
    grid_id: str | None
    department: str | None
    patrol_point: str | None
    description: str
    report_count: int
    merged_into: uuid.UUID | None
    thumbnail_url: str | None = Field(description="the first photo's thumbnail, for rows and pins")
    reported_at: datetime
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: last")


LIST = r"^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$"


class CaseFilters(BaseModel):
    """Filters of the case list; lists are comma-separated (`status=reported,dispatched`)."""

    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(default=None, pattern=LIST, max_length=200)
    category: str | None = Field(default=None, pattern=LIST, max_length=400)
    grid: str | None = Field(default=None, pattern=LIST, max_length=400)
    department: str | None = Field(default=None, pattern=LIST, max_length=400)
    source: str | None = Field(default=None, pattern=LIST, max_length=200)
    urgency: Literal["normal", "urgent"] | None = None
    reported_from: datetime | None = Field(default=None, description="inclusive, with timezone")
    reported_to: datetime | None = Field(default=None, description="exclusive, with timezone")
    updated_since: datetime | None = Field(
        default=None, description="changed at or after this time (incremental sync)"
    )
    q: str | None = Field(
        default=None, min_length=1, max_length=100, description="text in description or address"
    )
    number: str | None = Field(default=None, max_length=30, description="case number")
    cursor: str | None = Field(default=None, max_length=100)
    limit: int = Field(default=50, ge=1, le=500)
    format: Literal["json", "geojson"] = Field(
        default="json", description="geojson: a FeatureCollection for maps, same paging"
    )

    def values(self, name: str) -> list[str] | None:
        raw: str | None = getattr(self, name)
        return raw.split(",") if raw else None


class CaseStats(BaseModel):
    total: int = Field(description="the cases the list would give, every page")
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_source: dict[str, int]
    by_grid: dict[str, int] = Field(description='"none": cases outside every grid')
    by_department: dict[str, int] = Field(description='"none": not dispatched (yet)')


class RatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: int = Field(ge=1, le=5, description="1 very dissatisfied ... 5 very satisfied")
    comment: str = Field(default="", max_length=1000)


class RatingRead(BaseModel):
    case_id: uuid.UUID
    score: int
    comment: str
    rated_at: datetime
