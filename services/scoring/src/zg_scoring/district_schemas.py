"""API models of the district's indicators for managers (the reform's own figures)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

Pct = float | None

INCIDENT_KINDS = ("burglary", "motor_vehicle_theft", "bicycle_theft", "robbery_snatching")


class GridIncidentsIn(BaseModel):
    """One grid's counts of the four preventable types (四类可防性案件) in the month."""

    model_config = ConfigDict(extra="forbid")

    grid_id: str = Field(pattern=r"^G\d{2,3}$")
    burglary: int = Field(ge=0, le=100_000, description="入室盗窃")
    motor_vehicle_theft: int = Field(ge=0, le=100_000, description="盗窃机动车")
    bicycle_theft: int = Field(ge=0, le=100_000, description="盗窃电动车、自行车")
    robbery_snatching: int = Field(ge=0, le=100_000, description="抢劫、抢夺")


class IncidentsIn(BaseModel):
    """The police's monthly batch: counts per grid only (no case's details). It replaces what
    the month had; a grid left out has none."""

    model_config = ConfigDict(extra="forbid")

    grids: list[GridIncidentsIn] = Field(max_length=500)


class GridIncidents(BaseModel):
    grid_id: str
    residents: int
    burglary: int
    motor_vehicle_theft: int
    bicycle_theft: int
    robbery_snatching: int
    total: int
    per_10k_residents: Pct = Field(description="the four types per 10,000 residents of the grid")


class IncidentsRead(BaseModel):
    month: str
    reported: bool = Field(description="whether the police's batch for the month came")
    reported_at: datetime | None
    grids: list[GridIncidents]


class CostIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount_yuan: Decimal = Field(ge=0, max_digits=14, decimal_places=2, examples=["1250000.00"])
    note: str = Field(default="", max_length=500)


class CostRead(BaseModel):
    month: str
    amount_yuan: float
    note: str
    entered_by: str
    entered_at: datetime


class GridRegistration(BaseModel):
    grid_id: str
    residents: int
    registered: int
    coverage: Pct


class DepartmentHandling(BaseModel):
    rank: int | None = Field(description="by handling rate, highest first (ties: department id)")
    department_id: str
    name: str
    handled: int
    to_handle: int
    handled_rate: Pct


class YearOnYear(BaseModel):
    previous: float | None = Field(description="the same month a year before")
    change: float | None = Field(description="this month − that month")
    change_pct: Pct = Field(description="the change ÷ that month × 100")


class DistrictKpis(BaseModel):
    """A month's district indicators (definitions pinned in docs/scoring.md)."""

    month: str
    handled: int = Field(description="Σ departments' 处置数")
    to_handle: int = Field(description="Σ departments' 应处置数")
    handling_rate: Pct = Field(description="处置率: handled ÷ to_handle × 100")
    departments: list[DepartmentHandling] = Field(description="ranked by handling rate")
    residents: int
    incidents: int = Field(description="the four preventable types in the month, all grids")
    incidents_per_10k_residents: Pct
    incidents_by_grid: list[GridIncidents] = Field(description="most per 10,000 residents first")
    incidents_reported: bool
    registered_residents: int = Field(
        description="residents registered in the compounds at the month's end (smart access)"
    )
    registration_coverage: Pct = Field(description="registered ÷ residents × 100 (一卡通)")
    registration_by_grid: list[GridRegistration]
    staff: int = Field(description="the service centre's staff and the officers")
    area_km2: float
    staff_per_km2: float
    cost_yuan: float | None = Field(description="the month's operating cost (managers')")
    cost_per_handled_case: float | None = Field(description="cost ÷ handled, yuan")
    cost_year_to_date: float | None = Field(description="January to this month, months entered")
    year_on_year: dict[str, YearOnYear] = Field(
        description="handling_rate, incidents_per_10k_residents, staff_per_km2, "
        "registration_coverage, cost_yuan, cost_per_handled_case, cost_year_to_date against "
        "the same month a year before"
    )
