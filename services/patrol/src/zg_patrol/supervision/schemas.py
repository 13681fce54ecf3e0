"""API models of residents' supervision of the points."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PointRatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: int = Field(ge=1, le=5, description="1 badly kept ... 5 well kept")
    comment: str = Field(default="", max_length=1000)


class PointRatingRead(BaseModel):
    point_id: str
    score: int
    comment: str
    day: date
    replaced: bool = Field(description="an earlier rating of today by the same resident")


class PointRatingSummary(BaseModel):
    point_id: str
    days: int
    count: int
    average: float | None
    by_score: dict[str, int] = Field(description='ratings per score, "1" to "5"')
