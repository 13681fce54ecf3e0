"""The district's indicators for managers, the reform's own figures: the handling rate and
the departments' ranking by it, the four preventable crime types per 10,000 residents by grid
(the police's monthly counts), the compounds' registration coverage (smart access's counts),
staff per km², the operating cost per handled case (the managers' monthly costs), each against
the same month a year before. The residents, staff and
area come from the data set (`district_figures.json`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope
from zg_common.errors import FieldError, ValidationFailed
from zg_common.identity import Identity
from zg_scoring import access_facts, service
from zg_scoring.district_schemas import (
    INCIDENT_KINDS,
    CostIn,
    CostRead,
    DepartmentHandling,
    DistrictKpis,
    GridIncidents,
    GridRegistration,
    IncidentsIn,
    IncidentsRead,
    YearOnYear,
)
from zg_scoring.indicators import descending, rate, round2
from zg_scoring.models import IncidentMonth, MonthlyCost
from zg_scoring.periods import Period, month, month_period


@dataclass(frozen=True)
class Figures:
    residents: int
    residents_by_grid: dict[str, int]
    centre_staff: int
    officers: int
    area_km2: float

    @classmethod
    def of(cls, document: dict[str, Any]) -> Figures:
        return cls(
            residents=int(document["residents"]),
            residents_by_grid={k: int(v) for k, v in document["residents_by_grid"].items()},
            centre_staff=int(document["centre_staff"]),
            officers=int(document["officers"]),
            area_km2=float(document["area_km2"]),
        )


def month_label(period: Period) -> str:
    return period.first.strftime("%Y-%m")


def a_year_before(period: Period) -> Period:
    return month_period(period.first.year - 1, period.first.month)


async def store_incidents(
    session: AsyncSession,
    text: str,
    batch: IncidentsIn,
    *,
    figures: Figures,
    caller: Identity,
    now: datetime,
) -> IncidentsRead:
    label = month_label(month(text))
    unknown = sorted({g.grid_id for g in batch.grids} - set(figures.residents_by_grid))
    seen = [g.grid_id for g in batch.grids]
    if unknown or len(seen) != len(set(seen)):
        raise ValidationFailed(
            "Each grid once, and only the district's grids",
            errors=[
                FieldError(field="grids", code="unknown_or_repeated_grid", message=str(unknown))
            ],
        )
    await session.execute(delete(IncidentMonth).where(IncidentMonth.month == label))
    rows = [
        {
            "month": label,
            "grid_id": g.grid_id,
            "kind": kind,
            "count": getattr(g, kind),
            "reported_by": caller.sub,
            "reported_at": now,
        }
        for g in batch.grids
        for kind in INCIDENT_KINDS
    ]
    if rows:
        await session.execute(pg_insert(IncidentMonth).values(rows))
    return await incidents(session, text, figures=figures)


async def incidents(session: AsyncSession, text: str, *, figures: Figures) -> IncidentsRead:
    label = month_label(month(text))
    found = list(await session.scalars(select(IncidentMonth).where(IncidentMonth.month == label)))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(INCIDENT_KINDS, 0))
    for row in found:
        counts[row.grid_id][row.kind] = row.count
    grids = []
    for grid_id, residents in sorted(figures.residents_by_grid.items()):
        kinds = counts[grid_id]
        total = sum(kinds.values())
        grids.append(
            GridIncidents(
                grid_id=grid_id,
                residents=residents,
                **kinds,
                total=total,
                per_10k_residents=round2(rate(total * 100, residents)),
            )
        )
    return IncidentsRead(
        month=label,
        reported=bool(found),
        reported_at=max((r.reported_at for r in found), default=None),
        grids=grids,
    )


async def store_cost(
    session: AsyncSession, text: str, body: CostIn, *, caller: Identity, now: datetime
) -> CostRead:
    label = month_label(month(text))
    values = {"amount": body.amount_yuan, "note": body.note, "entered_by": caller.sub}
    await session.execute(
        pg_insert(MonthlyCost)
        .values(month=label, entered_at=now, **values)
        .on_conflict_do_update(index_elements=["month"], set_={**values, "entered_at": now})
    )
    return CostRead(month=label, amount_yuan=float(body.amount_yuan), note=body.note,
                    entered_by=caller.sub, entered_at=now)  # fmt: skip


async def costs(session: AsyncSession) -> list[CostRead]:
    return [
        CostRead(
            month=c.month,
            amount_yuan=float(c.amount),
            note=c.note,
            entered_by=c.entered_by,
            entered_at=c.entered_at,
        )
        for c in await session.scalars(select(MonthlyCost).order_by(MonthlyCost.month))
    ]


async def _cost(session: AsyncSession, label: str) -> Decimal | None:
    amount: Decimal | None = await session.scalar(
        select(MonthlyCost.amount).where(MonthlyCost.month == label)
    )
    return amount


async def _year_to_date(session: AsyncSession, period: Period) -> Decimal | None:
    first = f"{period.first.year}-01"
    amount: Decimal | None = await session.scalar(
        select(func.sum(MonthlyCost.amount)).where(
            MonthlyCost.month >= first, MonthlyCost.month <= month_label(period)
        )
    )
    return amount


async def _month(
    session: AsyncSession, period: Period, figures: Figures
) -> tuple[DistrictKpis, dict[str, float | None]]:
    label = month_label(period)
    lines = (await service.department_scores(session, period, Scope(everything=True))).departments
    handled, to_handle = sum(x.handled for x in lines), sum(x.to_handle for x in lines)
    ordered = sorted(lines, key=lambda x: (descending(x.handled_rate), x.department_id))
    departments = [
        DepartmentHandling(
            rank=n if x.handled_rate is not None else None,
            department_id=x.department_id,
            name=x.name,
            handled=x.handled,
            to_handle=x.to_handle,
            handled_rate=x.handled_rate,
        )
        for n, x in enumerate(ordered, start=1)
    ]
    crime = await incidents(session, label, figures=figures)
    registered = await access_facts.registered_by_grid(session, period.end)
    total = sum(g.total for g in crime.grids)
    staff = figures.centre_staff + figures.officers
    cost, ytd = await _cost(session, label), await _year_to_date(session, period)
    kpis = DistrictKpis(
        month=label,
        handled=handled,
        to_handle=to_handle,
        handling_rate=round2(rate(handled, to_handle)),
        departments=departments,
        residents=figures.residents,
        incidents=total,
        incidents_per_10k_residents=round2(rate(total * 100, figures.residents)),
        incidents_by_grid=sorted(
            crime.grids, key=lambda g: (descending(g.per_10k_residents), g.grid_id)
        ),
        incidents_reported=crime.reported,
        registered_residents=sum(registered.values()),
        registration_coverage=round2(rate(sum(registered.values()), figures.residents)),
        registration_by_grid=[
            GridRegistration(
                grid_id=grid,
                residents=n,
                registered=registered.get(grid, 0),
                coverage=round2(rate(registered.get(grid, 0), n)),
            )
            for grid, n in sorted(figures.residents_by_grid.items())
        ],
        staff=staff,
        area_km2=figures.area_km2,
        staff_per_km2=round2(staff / figures.area_km2) or 0.0,
        cost_yuan=float(cost) if cost is not None else None,
        cost_per_handled_case=(
            round2(float(cost) / handled) if cost is not None and handled else None
        ),
        cost_year_to_date=float(ytd) if ytd is not None else None,
        year_on_year={},
    )
    return kpis, {
        "handling_rate": kpis.handling_rate,
        "incidents_per_10k_residents": kpis.incidents_per_10k_residents if crime.reported else None,
        "staff_per_km2": kpis.staff_per_km2,
        "registration_coverage": kpis.registration_coverage,
        "cost_yuan": kpis.cost_yuan,
        "cost_per_handled_case": kpis.cost_per_handled_case,
        "cost_year_to_date": kpis.cost_year_to_date,
    }


async def district_kpis(session: AsyncSession, text: str, *, figures: Figures) -> DistrictKpis:
    return await kpis_of(session, month(text), figures=figures)


async def kpis_of(session: AsyncSession, period: Period, *, figures: Figures) -> DistrictKpis:
    kpis, now_values = await _month(session, period, figures)
    _, before = await _month(session, a_year_before(period), figures)
    kpis.year_on_year = {name: _yoy(now_values[name], before[name]) for name in now_values}
    return kpis


def _yoy(now: float | None, before: float | None) -> YearOnYear:
    if now is None or before is None:
        return YearOnYear(previous=before, change=None, change_pct=None)
    return YearOnYear(
        previous=before,
        change=round2(now - before),
        change_pct=round2(rate(now - before, before)) if before else None,
    )


def report_figures(kpis: DistrictKpis) -> dict[str, float | int | None]:
    """The district's indicators as the monthly report's key figures."""
    yoy = kpis.year_on_year
    return {
        "incidents": kpis.incidents,
        "incidents_per_10k_residents": kpis.incidents_per_10k_residents,
        "staff_per_km2": kpis.staff_per_km2,
        "registration_coverage": kpis.registration_coverage,
        "cost_yuan": kpis.cost_yuan,
        "cost_per_handled_case": kpis.cost_per_handled_case,
        "handled_rate_yoy": yoy["handling_rate"].change,
        "incidents_per_10k_yoy_pct": yoy["incidents_per_10k_residents"].change_pct,
        "cost_yuan_yoy_pct": yoy["cost_yuan"].change_pct,
    }
