"""Use cases of scoring: fold case events into counters (projections rebuilt from the log).
The consumer is idempotent (each event id is processed once), so a redelivered event never
counts twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.routing import CaseAction, CaseOverdue, CaseTransitioned
from zg_common.events import CloudEvent
from zg_scoring.models import COUNTERS, DepartmentDay

# Counted in the district's local day (Asia/Shanghai), as the standard's periods are.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def counters_of(step: CaseTransitioned) -> tuple[str | None, list[str]]:
    """Which department a lifecycle step counts for, and which of its counters it adds to. An
    action this version does not know counts for nothing."""
    action = step.action
    if action == CaseAction.DISPATCH:
        return step.department_id, ["dispatched"] + (["redispatched"] if step.returns else [])
    if action == CaseAction.APPROVE_RETURN:
        return step.from_department_id, ["returned"]
    if action in (CaseAction.FAIL_CHECK, CaseAction.CALLBACK_UNSATISFIED):
        return step.department_id, ["reworked"]
    if action == CaseAction.APPROVE_EXTENSION:
        return step.department_id, ["extended"]
    if action == CaseAction.APPROVE_HANG:
        return step.department_id, ["hung"]
    if action == CaseAction.DISPOSE:
        on_time = step.due_at is not None and step.at <= step.due_at
        return step.department_id, ["disposed"] + (["disposed_on_time"] if on_time else [])
    return None, []


async def _add(
    session: AsyncSession, department_id: str | None, at: datetime, counters: Sequence[str]
) -> None:
    if department_id is None or not counters:
        return
    day = at.astimezone(LOCAL_TZ).date()
    ones = dict.fromkeys(counters, 1)
    stmt = pg_insert(DepartmentDay).values(department_id=department_id, day=day, **ones)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[DepartmentDay.department_id, DepartmentDay.day],
            set_={name: getattr(DepartmentDay, name) + 1 for name in counters},
        )
    )


async def count_transition(session: AsyncSession, event: CloudEvent) -> None:
    step = CaseTransitioned.parse(event)
    department_id, counters = counters_of(step)
    await _add(session, department_id, step.at, counters)


async def count_overdue(session: AsyncSession, event: CloudEvent) -> None:
    overdue = CaseOverdue.parse(event)
    await _add(session, overdue.department_id, overdue.at, ["overdue"])


async def department_counts(
    session: AsyncSession, *, since: date | None, until: date | None
) -> list[tuple[str, dict[str, int]]]:
    columns = [func.sum(getattr(DepartmentDay, name)) for name in COUNTERS]
    query = (
        select(DepartmentDay.department_id, *columns)
        .group_by(DepartmentDay.department_id)
        .order_by(DepartmentDay.department_id)
    )
    if since:
        query = query.where(DepartmentDay.day >= since)
    if until:
        query = query.where(DepartmentDay.day <= until)
    return [
        (row[0], {name: int(value) for name, value in zip(COUNTERS, row[1:], strict=True)})
        for row in (await session.execute(query)).all()
    ]
