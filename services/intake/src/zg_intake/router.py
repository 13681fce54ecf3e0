"""HTTP endpoints of intake. No SQL and no commit here: services and the unit of work do that."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response, status

from zg_common.authz import require
from zg_common.identity import Identity
from zg_intake import service
from zg_intake.dependencies import Categories, District, Session
from zg_intake.schemas import (
    CaseCreate,
    CaseCreated,
    CaseRead,
    CategoryRead,
    ReporterRead,
    StatusChangeRead,
)

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseCreated,
    summary="Report a case",
)
async def create_case(
    caller: Annotated[Identity, require("cases.create")],
    body: CaseCreate,
    session: Session,
    district: District,
    categories: Categories,
    response: Response,
) -> CaseCreated:
    case = await service.report_case(
        session, data=body, district=district, categories=categories, reporter=caller
    )
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return CaseCreated(id=case.id, number=case.number, status=case.status)


@router.get("/cases/{case_id}", response_model=CaseRead, summary="One case with its history")
async def read_case(
    caller: Annotated[Identity, require("cases.read")], case_id: uuid.UUID, session: Session
) -> CaseRead:
    case = await service.get_case(session, case_id, caller=caller)
    return CaseRead(
        id=case.id,
        number=case.number,
        status=case.status,
        category=case.category,
        lat=case.lat,
        lon=case.lon,
        description=case.description,
        source=case.source,
        grid_id=case.grid_id,
        zone_type=case.zone_type,
        department=case.department_id,
        department_name=case.department_name,
        reported_at=case.reported_at,
        updated_at=case.updated_at,
        history=[StatusChangeRead(status=h.status, at=h.at, note=h.note) for h in case.history],
        reporter=ReporterRead(name=case.reporter_name, phone=case.reporter_phone)
        if service.may_see_reporter(caller, case)
        else None,
    )


@router.get(
    "/categories",
    response_model=list[CategoryRead],
    tags=["reference data"],
    summary="The case category tree (component/event, major/minor classes)",
)
async def read_categories(
    caller: Annotated[Identity, require("categories.read")], session: Session
) -> list[CategoryRead]:
    return await service.category_tree(session)
