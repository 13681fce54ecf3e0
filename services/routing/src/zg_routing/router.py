"""HTTP endpoints of routing (read-only for now: departments and the rules table)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import require
from zg_common.db import request_session
from zg_common.identity import Identity
from zg_routing import repository
from zg_routing.schemas import DepartmentRead, RoutingRuleRead, RoutingRulesRead

router = APIRouter(prefix="/api/v1", tags=["routing"])
Session = Annotated[AsyncSession, Depends(request_session, scope="function")]


@router.get("/departments", response_model=list[DepartmentRead], summary="Departments")
async def read_departments(
    caller: Annotated[Identity, require("departments.read")], session: Session
) -> list[DepartmentRead]:
    return [
        DepartmentRead.model_validate(d, from_attributes=True)
        for d in await repository.list_departments(session)
    ]


@router.get("/routing-rules", response_model=RoutingRulesRead, summary="The routing rules table")
async def read_rules(
    caller: Annotated[Identity, require("routing_rules.read")],
    session: Session,
    category: Annotated[str | None, Query(pattern=r"^[CE]\d{4}$")] = None,
    department_id: Annotated[str | None, Query(max_length=50)] = None,
) -> RoutingRulesRead:
    rules = await repository.list_rules(session, category=category, department_id=department_id)
    return RoutingRulesRead(
        fallback_department_id=await repository.fallback_department_id(session),
        rules=[RoutingRuleRead.model_validate(r, from_attributes=True) for r in rules],
    )
