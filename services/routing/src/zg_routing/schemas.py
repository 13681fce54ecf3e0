"""API models of routing."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Contact(BaseModel):
    """Who a department's cases reach: the duty line (值班), the person in charge, ..."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: Literal["duty", "head", "liaison", "hotline"] = Field(
        description="duty: the 24-hour duty line; head: the person in charge; liaison: who "
        "handles the platform's cases; hotline: the desk that answers 12345 orders"
    )
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(pattern=r"^\+?[0-9][0-9 \-]{4,30}$", examples=["0551-6345 1100"])
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


Mode = Literal["command", "coordinated", "entrusted", "assessed"]


class DepartmentRead(BaseModel):
    id: str
    name: str
    name_en: str
    mode: Mode = Field(
        description="command: the command centre; coordinated (协调): police, traffic police, "
        "special patrol, transport; entrusted (委托): city management, market supervision; "
        "assessed (考核): the contractors for roads, greening, sanitation"
    )
    calendar: str = Field(description="the working calendar its time limits count in")
    grids: list[str]
    updated_at: datetime


class DepartmentUpdate(BaseModel):
    """What a manager may change of a department; cases already dispatched keep the calendar
    their deadline was set in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=2, max_length=200)
    name_en: str | None = Field(default=None, min_length=2, max_length=200)
    calendar: str | None = Field(default=None, min_length=1, max_length=20)
    grids: list[str] | None = Field(default=None, max_length=500)
    contacts: list[Contact] | None = Field(default=None, max_length=20)
    reason: str = Field(min_length=2, max_length=500, description="why: kept in the audit trail")


class CalendarRead(BaseModel):
    id: str
    name: str
    zone: str = Field(examples=["+08:00"])
    # [start, end] pairs, as arrays of two strings (a tuple's `prefixItems` trips response
    # validators that rewrite it to the draft-4 form, schemathesis among them)
    week: dict[str, list[Annotated[list[str], Field(min_length=2, max_length=2)]]] = Field(
        description="working hours per weekday (mon ... sun), local time: [start, end] pairs"
    )
    holidays: bool = Field(description="true: public holidays are off, make-up days worked")
    updated_at: datetime


TimeOfDay = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class CalendarUpdate(BaseModel):
    """A calendar's new hours. Running clocks of this calendar get their deadlines recounted
    in the new hours from the working time they have left."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=100)
    week: dict[Weekday, list[tuple[TimeOfDay, TimeOfDay]]] = Field(max_length=7)
    holidays: bool
    reason: str = Field(min_length=2, max_length=500)


class DaySpan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: date = Field(alias="from")
    to: date


class HolidayYearRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    year: int
    source: str
    off: list[DaySpan] = Field(description="days off, as spans of dates")
    work: list[date] = Field(description="weekend days worked instead (调休)")
    updated_at: datetime


class HolidayYearUpdate(BaseModel):
    """A year of the State Council's holiday schedule (国务院办公厅 notice, each November)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(min_length=2, max_length=500, examples=["国办发明电〔2026〕..."])
    off: list[DaySpan] = Field(max_length=30)
    work: list[date] = Field(max_length=30)
    reason: str = Field(min_length=2, max_length=500)


class RoutingRuleRead(BaseModel):
    id: str
    category: str
    grid_id: str | None = Field(description="the grid it applies in")
    zone_type: str | None = Field(description="or the zone type it applies in")
    scope: Literal["grid", "zone", "owner"] = Field(
        description="grid or zone: the territory's rule; owner: every grid (the owner of a "
        "component, the line department of an event)"
    )
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
    lat: float | None = Field(default=None, description="the case's place (WGS84)")
    lon: float | None = None
    department_id: str | None
    due_at: datetime | None = Field(description="disposal deadline (working calendar)")
    light: Literal["green", "yellow", "red"] | None = Field(
        description="green below 80 % of the limit used, yellow from 80 %, red when overdue"
    )
    used_minutes: int | None = Field(description="working minutes of the limit used so far")
    limit_minutes: int | None
    stage: str | None = Field(
        description="the command centre's step it waits for: verify, accept, file, dispatch, check"
    )
    stage_due_at: datetime | None = Field(description="that step's limit (wall clock)")
    reworks: int
    returns: int
    extensions: int
    actions: list[str] = Field(description="what the caller may do with the case now")
    suggested_department_id: str | None = Field(
        default=None, description="when the caller may dispatch it: the department the rules name"
    )


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
    grid_id: str | None = Field(default=None, pattern=r"^G\d{2,3}$", description="a grid's rule")
    zone_type: str | None = Field(
        default=None, max_length=20, description="or a zone type's; neither: every grid's"
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
