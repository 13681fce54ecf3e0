"""HTTP endpoints of scoring."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter

from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.errors import FieldError, ValidationFailed
from zg_common.identity import Identity
from zg_scoring import service
from zg_scoring.schemas import DepartmentCount, DepartmentCounts

router = APIRouter(prefix="/api/v1", tags=["scoring"])


@router.get(
    "/scores/departments",
    response_model=DepartmentCounts,
    summary="Each department's base counters in a period (local days, inclusive): dispatched, "
    "re-dispatched, returned, reworked, extended, hung, disposed (on time), overdue",
)
async def read_department_counts(
    caller: Annotated[Identity, require("scores.read")],
    session: SessionDep,
    since: date | None = None,
    until: date | None = None,
) -> DepartmentCounts:
    if since and until and since > until:
        raise ValidationFailed(
            "since is after until",
            errors=[
                FieldError(
                    field="since", code="range_inverted", message="since must not be after until"
                )
            ],
        )
    rows = await service.department_counts(session, since=since, until=until)
    return DepartmentCounts(
        since=since,
        until=until,
        departments=[DepartmentCount(department_id=d, **counts) for d, counts in rows],
    )
