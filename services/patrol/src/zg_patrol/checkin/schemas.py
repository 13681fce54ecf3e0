"""API models of check-in and point codes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from zg_patrol.territory.schemas import PointCard


class CheckinCreate(BaseModel):
    """A scan of a point's code by an officer's app, with the phone's fix."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    token: str = Field(min_length=1, max_length=200, description="what the QR code carries")
    lat: float = Field(ge=-90, le=90, description="WGS84")
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000, description="the fix's accuracy (radius)")
    mock_location: bool = Field(default=False, description="the phone says the fix is mocked")


class CheckinRead(BaseModel):
    outcome: Literal["on_time", "early", "late", "unplanned"] = Field(
        description="on_time: inside the visit's window; early/late: outside it (partial "
        "credit); unplanned: no visit of this point was due"
    )
    visit_id: str | None
    window_start: datetime | None
    window_end: datetime | None
    distance_m: float
    point: PointCard
    flags: list[str] = Field(
        default_factory=list,
        description="accepted, for a supervisor to look at: no_track (the app reported no fix "
        "near the point in the quarter of an hour before), others_visit (a colleague's visit)",
    )


class PointCodeRead(BaseModel):
    point_id: str
    token: str
    issued: date
    valid_until: date


class PointCodeReissue(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(
        min_length=2, max_length=500, examples=["the card was photographed and shared"]
    )
