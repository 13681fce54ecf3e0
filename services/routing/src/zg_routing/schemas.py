"""API models of routing."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class DepartmentRead(BaseModel):
    id: str
    name: str
    name_en: str
    mode: Literal["command", "coordinated", "entrusted", "assessed"]
    calendar: str
    grids: list[str]


class RoutingRuleRead(BaseModel):
    id: str
    category: str
    grid_id: str | None = Field(description="null: the rule applies in every grid")
    department_id: str
    active: bool


class RoutingRulesRead(BaseModel):
    fallback_department_id: str
    rules: list[RoutingRuleRead]
