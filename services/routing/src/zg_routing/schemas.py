"""API models of routing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


class QueueItemRead(BaseModel):
    case_id: uuid.UUID
    number: str
    category: str
    urgency: str
    status: str
    source: str
    grid_id: str | None
    department_id: str | None
    due_at: datetime | None = Field(description="disposal deadline (working calendar)")
    light: Literal["green", "yellow", "red"] | None = Field(
        description="green below 80 % of the limit used, yellow from 80 %, red when overdue"
    )
    used_minutes: int | None = Field(description="working minutes of the limit used so far")
    limit_minutes: int | None
    reworks: int
    returns: int
    extensions: int
    actions: list[str] = Field(description="what the caller may do with the case now")


class QueueRead(BaseModel):
    items: list[QueueItemRead]


class ActionRequest(BaseModel):
    """What an action needs: a reason (reject, refute, requests, denials, failed checks,
    cancel), the department (dispatch), the hours (request_extension), the result (dispose),
    the close type (close: normal, overdue, error, special)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=2000)
    department_id: str | None = Field(default=None, max_length=50)
    hours: float | None = Field(default=None, gt=0, le=720)
    result: str | None = Field(default=None, max_length=2000)
    close_type: Literal["normal", "overdue", "error", "special"] | None = None


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str = Field(pattern=r"^[CE]\d{4}$", examples=["E0403"])
    grid_id: str | None = Field(
        default=None, pattern=r"^G\d{2,3}$", description="null: the rule applies in every grid"
    )
    department_id: str = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=2, max_length=500, description="why: kept in the audit trail")


class RuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    department_id: str | None = Field(default=None, min_length=1, max_length=50)
    active: bool | None = None
    reason: str = Field(min_length=2, max_length=500)


class FallbackUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    department_id: str = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=2, max_length=500)


class FallbackRead(BaseModel):
    fallback_department_id: str


class RuleChangeRead(BaseModel):
    rule_id: str
    change: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    reason: str
    actor_sub: str
    actor_role: str
    at: datetime
