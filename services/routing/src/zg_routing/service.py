"""Use cases of routing: pick the responsible department for a case and dispatch it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseReported
from zg_common.contracts.routing import CaseDispatched
from zg_common.events import CloudEvent
from zg_routing import repository
from zg_routing.calendar import Clock, Urgency
from zg_routing.models import Assignment, outbox
from zg_routing.territory import GridIndex, GridRef


async def dispatch_reported_case(
    session: AsyncSession, event: CloudEvent, *, grids: GridIndex, clock: Clock
) -> None:
    """Resolve the grid, match the rules (this grid, then any grid, then the fallback owner),
    store the assignment and publish `dispatched` in the same transaction."""
    data = CaseReported.parse(event)
    if data.resolved_on_site:
        return  # an officer fixed it on the spot: nothing to dispatch (the lifecycle checks it)
    case_id = uuid.UUID(data.case_id)
    if await repository.get_assignment(session, case_id) is not None:
        return  # already dispatched: a redelivery under a new event id must not dispatch twice
    # intake places the case (a scanned QR point fixes its grid); older events carry no grid
    if data.grid_id is not None and data.zone_type is not None:
        grid = GridRef(data.grid_id, data.zone_type)
    else:
        grid = grids.locate(data.lat, data.lon)
    rule = await repository.find_rule(session, category=data.category, grid_id=grid.id)
    department_id = rule.department_id if rule else await repository.fallback_department_id(session)
    department = await repository.get_department(session, department_id)
    if department is None:
        raise LookupError(f"routing rule points at unknown department {department_id}")
    now = datetime.now(UTC)
    urgency: Urgency = "urgent" if data.urgency == "urgent" else "normal"
    limit, due_at = clock.disposal_deadline(
        category=data.category, urgency=urgency, calendar_id=department.calendar, start=now
    )
    session.add(
        Assignment(
            case_id=case_id,
            category=data.category,
            lat=data.lat,
            lon=data.lon,
            grid_id=grid.id,
            department_id=department.id,
            rule_id=rule.id if rule else None,
            dispatched_at=now,
            urgency=urgency,
            calendar_id=department.calendar,
            time_limit=f"{limit.value} {limit.unit}",
            due_at=due_at,
        )
    )
    await outbox.add(
        session,
        CaseDispatched(
            case_id=data.case_id,
            grid_id=grid.id,
            zone_type=grid.zone_type,
            department_id=department.id,
            department_name=department.name,
            rule_id=rule.id if rule else None,
            dispatched_at=now,
            due_at=due_at,
            time_limit=f"{limit.value} {limit.unit}",
            calendar_id=department.calendar,
        ),
        subject=data.case_id,
    )
