"""API models of the lighting service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LIGHT_ID = r"^LD-\d{4,6}$"
CIRCUIT_ID = r"^LC-\d{2,4}$"
State = Literal["on", "off", "dimmed"]
Problem = Literal["off", "flicker", "on_by_day", "damaged"]


class ReportIn(BaseModel):
    """One light's state as the street-lighting platform reports it."""

    model_config = ConfigDict(extra="forbid")

    light_id: str = Field(pattern=LIGHT_ID)
    at: datetime
    state: State
    dim_pct: int | None = Field(default=None, ge=0, le=100)
    power_w: float | None = Field(default=None, ge=0, le=2000, description="power drawn now")
    fault: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^[a-z_]+$",
        description="the platform's fault code: lamp_failure, driver_failure, no_power, "
        "cable_fault, flicker, damaged, ... (none: healthy)",
    )


class ReportsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[ReportIn] = Field(min_length=1, max_length=2000)


class ReportRefusal(BaseModel):
    index: int
    code: str
    message: str


class ReportsRead(BaseModel):
    taken: int
    refused: list[ReportRefusal]


class LightProperties(BaseModel):
    id: str
    pole: str
    circuit_id: str
    grid_id: str
    lamp_w: int
    state: Literal["unknown", "on", "off", "dimmed"]
    dim_pct: int | None
    power_w: float | None
    fault_code: str | None
    problem: Problem | None = Field(description="what is wrong now, judged by the platform")
    reported_at: datetime | None


class CircuitRead(BaseModel):
    id: str
    name: str
    road: str
    cabinet_id: str
    lights: int
    on: int
    off: int
    unknown: int
    with_problem: int
    open_fault: str | None = Field(description="the open fault of the whole circuit, if any")


class CircuitList(BaseModel):
    circuits: list[CircuitRead]


class FaultRead(BaseModel):
    id: str
    scope: Literal["circuit", "pole"]
    target: str
    circuit_id: str
    kind: str
    lights: int
    opened_at: datetime
    cleared_at: datetime | None


class FaultList(BaseModel):
    faults: list[FaultRead]


class NightPlan(BaseModel):
    day: date
    season: str
    sunset: datetime
    on_at: datetime
    dim_from: datetime
    dim_to: datetime
    dim_pct: int
    off_at: datetime
    sunrise: datetime


class EnergyRow(BaseModel):
    circuit_id: str
    night: date
    kwh: float


class EnergyRead(BaseModel):
    since: date
    until: date
    nights: list[EnergyRow]
    total_kwh: float


class LightingStats(BaseModel):
    since: date
    until: date
    lights: int
    faults_opened: int = Field(description="faults opened in the period (circuits and poles)")
    lights_in_faults: int = Field(description="lights those faults covered")
    faults_per_100_lights: float = Field(
        description="lights in faults opened in the period per 100 lights of the district"
    )
    with_problem_now: int
    kwh: float
