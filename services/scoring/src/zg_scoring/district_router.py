"""HTTP endpoints of the district's indicators for managers: the month's figures, the police's
monthly counts of the four preventable types, and the months' operating costs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path

from zg_common.authz import require
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.identity import Identity
from zg_scoring import district
from zg_scoring.dependencies import FiguresDep
from zg_scoring.district_schemas import CostIn, CostRead, DistrictKpis, IncidentsIn, IncidentsRead

router = APIRouter(prefix="/api/v1/scores", tags=["scoring"])
Reader = Annotated[Identity, require("scores.district.read")]
# the platform's centuries: a year before the month must be a month too
Month = Annotated[str, Path(pattern=r"^2[01]\d{2}-(0[1-9]|1[0-2])$", examples=["2026-11"])]


@router.get(
    "/district/{month}",
    response_model=DistrictKpis,
    summary="A month's district indicators: 处置率 and the departments' ranking by it, the four "
    "preventable types per 10,000 residents by grid, staff per km², cost per handled case, "
    "each against the same month a year before",
)
async def read_district(
    caller: Reader, month: Month, figures: FiguresDep, session: ReadSessionDep
) -> DistrictKpis:
    return await district.district_kpis(session, month, figures=figures)


@router.put(
    "/incidents/{month}",
    response_model=IncidentsRead,
    summary="The police's monthly counts of the four preventable types per grid (replaces the "
    "month; counts only, never a case's details)",
)
async def report_incidents(
    caller: Annotated[Identity, require("scores.incidents.report")],
    month: Month,
    body: IncidentsIn,
    figures: FiguresDep,
    session: SessionDep,
) -> IncidentsRead:
    return await district.store_incidents(
        session, month, body, figures=figures, caller=caller, now=datetime.now(UTC)
    )


@router.get(
    "/incidents/{month}",
    response_model=IncidentsRead,
    summary="A month's counts of the four preventable types per grid, per 10,000 residents",
)
async def read_incidents(
    caller: Reader, month: Month, figures: FiguresDep, session: ReadSessionDep
) -> IncidentsRead:
    return await district.incidents(session, month, figures=figures)


@router.put("/costs/{month}", response_model=CostRead, summary="A month's operating cost")
async def enter_cost(
    caller: Annotated[Identity, require("scores.costs.manage")],
    month: Month,
    body: CostIn,
    session: SessionDep,
) -> CostRead:
    return await district.store_cost(session, month, body, caller=caller, now=datetime.now(UTC))


@router.get("/costs", response_model=list[CostRead], summary="The months' operating costs")
async def read_costs(caller: Reader, session: ReadSessionDep) -> list[CostRead]:
    return await district.costs(session)
