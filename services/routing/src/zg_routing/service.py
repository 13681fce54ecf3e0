"""Use cases of routing: pick the responsible department for a case and dispatch it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseReported
from zg_common.contracts.routing import CaseDispatched
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_routing import lifecycle, repository
from zg_routing.calendar import Clock, Light, Urgency, light
from zg_routing.lifecycle import MUST_VERIFY
from zg_routing.models import Assignment, CaseTransition, TrackedCase, outbox
from zg_routing.territory import GridIndex, GridRef

MINUTE = timedelta(minutes=1)
# Until officers' verification tasks are wired (the patrol service, issue #6), reports from the
# public are accepted without the on-site check; the transition says so.
VERIFICATION_WAIVED = "waived: officers' verification tasks are not wired yet"


async def _auto_dispatch(
    session: AsyncSession, tracked: TrackedCase, department_id: str, *, at: datetime
) -> None:
    """Accept, file and dispatch by the rules, as the platform itself, through the lifecycle
    table (its state guards hold), each step logged."""
    state = lifecycle.CaseState(
        status=tracked.status, source=tracked.source, grid_id=tracked.grid_id, verified=True
    )
    steps: list[tuple[str, dict[str, Any]]] = [
        ("accept", {"verification": VERIFICATION_WAIVED} if tracked.source in MUST_VERIFY else {}),
        ("file", {}),
        ("dispatch", {"department_id": department_id, "by": "routing rules"}),
    ]
    for action, params in steps:
        outcome = lifecycle.apply(state, action, None, params)
        session.add(
            CaseTransition(
                case_id=tracked.case_id,
                action=action,
                from_status=state.status,
                to_status=outcome.state.status,
                actor_sub="system",
                actor_role="system",
                params=params,
                at=at,
            )
        )
        state = outcome.state
    tracked.status, tracked.verified = state.status, state.verified
    tracked.department_id, tracked.updated_at = state.department_id, at


async def dispatch_reported_case(
    session: AsyncSession, event: CloudEvent, *, grids: GridIndex, clock: Clock
) -> None:
    """Resolve the grid, match the rules (this grid, then any grid, then the fallback owner),
    store the assignment and publish `dispatched` in the same transaction."""
    data = CaseReported.parse(event)
    case_id = uuid.UUID(data.case_id)
    if await session.get(TrackedCase, case_id) is not None:
        return  # known already: a redelivery under a new event id must not dispatch twice
    urgency: Urgency = "urgent" if data.urgency == "urgent" else "normal"
    tracked = TrackedCase(
        case_id=case_id,
        number=data.number,
        category=data.category,
        source=data.source,
        urgency=urgency,
        grid_id=data.grid_id,
        status="reported",
        verified=False,
        reported_at=data.reported_at,
        updated_at=datetime.now(UTC),
    )
    session.add(tracked)
    await session.flush()  # before its transitions, which refer to it
    if data.resolved_on_site:
        # an officer fixed it on the spot: it waits for the intake operator's review (自处理审核)
        tracked.status = "self_handled"
        return
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
    limit, due_at = clock.disposal_deadline(
        category=data.category, urgency=urgency, calendar_id=department.calendar, start=now
    )
    tracked.grid_id = grid.id
    await _auto_dispatch(session, tracked, department.id, at=now)
    tracked.calendar_id = department.calendar
    tracked.limit_minutes = int(limit.working_time(clock.calendars[department.calendar]) / MINUTE)
    tracked.clock_started_at, tracked.due_at = now, due_at
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


@dataclass(frozen=True)
class QueueItem:
    case: TrackedCase
    light: Light | None
    used: timedelta | None
    actions: list[str]


async def work_queue(
    session: AsyncSession, *, caller: Identity, clock: Clock, limit: int, now: datetime
) -> list[QueueItem]:
    """The open cases the caller acts on, the most urgent deadline first, each with its traffic
    light and the actions the caller may take on it now."""
    rows = await repository.open_cases(
        session,
        department_ids=caller.department_ids if caller.role == "department_staff" else None,
        grid_ids=caller.grid_ids if caller.role == "officer" else None,
        limit=limit,
    )
    items = []
    for row in rows:
        used = light_ = None
        if row.clock_started_at is not None and row.limit_minutes and row.calendar_id:
            calendar = clock.calendars[row.calendar_id]
            used = calendar.between(row.clock_started_at, row.paused_at or now)
            light_ = light(used, row.limit_minutes * MINUTE)
        state = lifecycle.CaseState(
            status=row.status,
            source=row.source,
            grid_id=row.grid_id,
            department_id=row.department_id,
            verified=row.verified,
            reworks=row.reworks,
            returns=row.returns,
            extensions=row.extensions,
        )
        items.append(QueueItem(row, light_, used, lifecycle.actions_for(state, caller)))
    return items
