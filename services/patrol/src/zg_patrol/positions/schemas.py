"""API models of officers' positions."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class FixIn(BaseModel):
    """One fix of the phone's location."""

    model_config = ConfigDict(extra="forbid")

    at: datetime = Field(description="when the phone took it (ISO 8601 with offset)")
    lat: float = Field(ge=-90, le=90, description="WGS84")
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    mock_location: bool = Field(default=False, description="the phone says the fix is mocked")


class PositionsReport(BaseModel):
    """Fixes since the last report (an app offline for a while sends what it buffered)."""

    model_config = ConfigDict(extra="forbid")

    fixes: list[FixIn] = Field(min_length=1, max_length=100)


class PositionRead(BaseModel):
    badge: str
    at: datetime
    lat: float
    lon: float
    accuracy_m: float


class OfficerOnMap(BaseModel):
    badge: str
    name: str
    grid_id: str
    shift: str
    at: datetime = Field(description="when the latest fix was taken")
    accuracy_m: float
    age_s: int
    stale: bool = Field(description="not heard from for 5 minutes")


class TrackProperties(BaseModel):
    badge: str
    day: date
    fixes: int
    first_at: datetime
    last_at: datetime
    length_m: int = Field(description="along the fixes (straight lines between them)")
