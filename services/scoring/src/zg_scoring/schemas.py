"""API models of scoring."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class DepartmentCount(BaseModel):
    department_id: str
    dispatched: int


class DepartmentCounts(BaseModel):
    since: date | None
    until: date | None
    departments: list[DepartmentCount]
