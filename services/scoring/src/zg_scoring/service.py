"""Use cases of scoring: fold case events into counters (projections rebuilt from the log)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.routing import CaseDispatched
from zg_common.events import CloudEvent
from zg_scoring.models import DepartmentDay

# Counted in the district's local day (Asia/Shanghai), as the standard's periods are.
LOCAL_TZ = "Asia/Shanghai"


async def count_dispatch(session: AsyncSession, event: CloudEvent) -> None:
    from zoneinfo import ZoneInfo

    data = CaseDispatched.parse(event)
    day = data.dispatched_at.astimezone(ZoneInfo(LOCAL_TZ)).date()
    stmt = pg_insert(DepartmentDay).values(department_id=data.department_id, day=day, dispatched=1)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[DepartmentDay.department_id, DepartmentDay.day],
            set_={"dispatched": DepartmentDay.dispatched + 1},
        )
    )


async def department_counts(
    session: AsyncSession, *, since: date | None, until: date | None
) -> list[tuple[str, int]]:
    query = (
        select(DepartmentDay.department_id, func.sum(DepartmentDay.dispatched))
        .group_by(DepartmentDay.department_id)
        .order_by(DepartmentDay.department_id)
    )
    if since:
        query = query.where(DepartmentDay.day >= since)
    if until:
        query = query.where(DepartmentDay.day <= until)
    return [(row[0], int(row[1])) for row in (await session.execute(query)).all()]
