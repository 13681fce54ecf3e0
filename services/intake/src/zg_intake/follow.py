"""Following the other services: routing's lifecycle steps and deadline announcements in the
case read model and its history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import event_uuid, subject_ids
from zg_common.contracts.routing import (
    TERMINAL,
    CaseAction,
    CaseDeadlineApproached,
    CaseOverdue,
    CaseTransitioned,
)
from zg_common.errors import CaseNotFound
from zg_common.events import CloudEvent
from zg_intake import history, repository, service
from zg_intake.territory import Reference


async def lock_followed_cases(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    """Before a poll's transitions are recorded: their cases locked in one statement instead of
    one read per case. Routing publishes a case's events under the case's id as their subject;
    an event without one is left to its handler, which reads its case itself."""
    await repository.lock_cases(session, subject_ids(events, CaseTransitioned.event_type))


async def record_transition(
    session: AsyncSession, event: CloudEvent, *, reference: Reference
) -> None:
    """Follow routing's lifecycle in intake's read model (idempotent by the consumer): the
    status, the department and the deadline, and one history entry per step. A status this
    version does not know is stored as it comes: it is open and reads "in progress".

    When the step ends the case, a report merged into it after that moment (intake's read
    model was behind: consumer lag, the broker away) joined a case already closed: it is split
    off and routed as a case of its own — never left merged into a closed case."""
    data = CaseTransitioned.parse(event)
    case = await repository.get_case(
        session, event_uuid(data.case_id, "case id"), for_update=True, with_history=False
    )
    if case is None:
        # Only intake creates cases, and its event is committed before routing can see it.
        raise CaseNotFound(f"transition of unknown case {data.case_id}")
    case.status = data.to_status
    case.department_id, case.department_name = data.department_id, data.department_name
    case.due_at, case.time_limit = data.due_at, data.time_limit
    case.updated_at = datetime.now(UTC)
    if data.action == CaseAction.DISPATCH:
        note = f"dispatched to {data.department_name}"
    else:
        note = f"{data.action.replace('_', ' ')} ({data.actor_role})"
        if data.reason:
            note += f": {data.reason}"
    await history.record(
        session, case, status=data.to_status, at=data.at, event_id=event.id, note=note
    )
    if data.to_status in TERMINAL:
        for late in await repository.merged_since(session, case.id, data.at):
            reason = f"it joined after {case.number} was {data.to_status} ({data.at.isoformat()})"
            await service.split_off(
                session, late, case, reason=reason, by_role="intake", reference=reference
            )


async def record_deadline(session: AsyncSession, event: CloudEvent) -> None:
    """The deadline watch's announcements, as notes in the case's history (status unchanged)."""
    if event.type == CaseOverdue.event_type:
        overdue = CaseOverdue.parse(event)
        case_id, at = overdue.case_id, overdue.at
        note = (
            f"overdue since {overdue.due_at.isoformat()}: escalated to the {overdue.escalated_to}"
        )
    else:
        near = CaseDeadlineApproached.parse(event)
        case_id, at = near.case_id, near.at
        note = f"80 % of the time limit used; due {near.due_at.isoformat()}"
    case = await repository.get_case(session, event_uuid(case_id, "case id"), with_history=False)
    if case is None:
        raise CaseNotFound(f"deadline of unknown case {case_id}")
    await history.record(session, case, status=case.status, at=at, event_id=event.id, note=note)
