"""Use cases of routing: pick the responsible department for a case and dispatch it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import MissingReference, event_uuid, subject_ids
from zg_common.contracts.intake import CaseReported, Channel
from zg_common.contracts.routing import CaseAction, CaseStatus
from zg_common.errors import CaseNotFound
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_routing import devices, lifecycle, repository, rules, workflow
from zg_routing.calendar import Clock
from zg_routing.lifecycle import HOTLINE, MUST_VERIFY
from zg_routing.models import TrackedCase
from zg_routing.rulebook import Rulebook
from zg_routing.territory import GridIndex, GridRef


async def dispatch_reported_case(
    session: AsyncSession,
    event: CloudEvent,
    *,
    grids: GridIndex,
    clock: Clock,
    rulebook: Rulebook,
    verify_public_reports: bool = True,
    auto_dispatch: bool = True,
) -> None:
    """Track a reported case. Reports from the public first go to an officer of the grid for
    verification; the others are accepted, filed and dispatched by the rules at once (with
    `auto_dispatch`; else they wait for the operators)."""
    data = CaseReported.parse(event)
    case_id = event_uuid(data.case_id, "case id")
    if await repository.is_tracked(session, case_id):
        return  # known already: a redelivery under a new event id must not act twice
    # intake places the case (a scanned QR point fixes its grid); older events carry no grid
    if data.grid_id is not None and data.zone_type is not None:
        grid = GridRef(data.grid_id, data.zone_type)
    else:
        grid = grids.locate(data.lat, data.lon)
    now = datetime.now(UTC)
    tracked = TrackedCase(
        case_id=case_id,
        number=data.number,
        category=data.category,
        source=data.source,
        partner_key_id=data.partner_key_id,
        urgency="urgent" if data.urgency == "urgent" else "normal",
        grid_id=grid.id,
        zone_type=grid.zone_type,
        lat=data.lat,
        lon=data.lon,
        status=CaseStatus.REPORTED,
        verified=False,
        device_ref=devices.device_ref(data),
        reported_at=data.reported_at,
        updated_at=now,
    )
    await devices.take_earlier_clearance(session, tracked)
    workflow.enter_stage(tracked, clock=clock, now=now)
    # written once at the commit with its final state (its transitions after it: their foreign
    # key orders the flush), not inserted now and updated after each step
    repository.track(session, tracked)
    if data.resolved_on_site:
        # an officer fixed it on the spot: it waits for the intake operator's review (自处理审核)
        tracked.status = CaseStatus.SELF_HANDLED
        workflow.enter_stage(tracked, clock=clock, now=now)  # no centre's stage: the review
        return
    # a channel this version does not know is logged and taken like a partner's report
    if Channel.read(data.source) in MUST_VERIFY:
        if verify_public_reports:
            await workflow.act(
                session,
                tracked,
                CaseAction.REQUEST_VERIFICATION,
                None,
                {"reason": f"a report through {data.source}"},
                clock=clock,
                rulebook=rulebook,
                now=now,
            )
            return
        tracked.verified = True  # verification switched off for this deployment
    if auto_dispatch:
        await dispatch_by_rules(session, tracked, clock=clock, rulebook=rulebook, now=now)


async def note_reported_cases(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    """Before a poll's reports are dispatched: which of their cases are tracked already, in one
    statement instead of one read per case. Intake publishes a case's events under the case's
    id as their subject; an event without one is left to its handler, which reads it itself."""
    await repository.note_tracked(session, subject_ids(events))


async def dispatch_by_rules(
    session: AsyncSession,
    tracked: TrackedCase,
    *,
    clock: Clock,
    rulebook: Rulebook,
    now: datetime,
) -> None:
    """Accept, file and dispatch as the platform itself, through the lifecycle table (its state
    guards hold for the platform too), each step logged and published, to the department of
    the rule that decides the case (`rules.choose`) or the fallback owner."""
    assert tracked.grid_id is not None
    with session.no_autoflush:  # lookups of reference data: the case's row waits for the commit
        rule, department_id = await rules.responsible(
            session,
            rulebook,
            category=tracked.category,
            grid_id=tracked.grid_id,
            zone_type=tracked.zone_type,
        )
        department = await rulebook.department(session, department_id)
    if department is None:
        raise MissingReference(f"routing rule points at unknown department {department_id}")
    dispatch = {"department_id": department.id, "rule_id": rule.id if rule else None}
    steps: tuple[tuple[CaseAction, dict[str, Any]], ...] = (
        (CaseAction.ACCEPT, {}),
        (CaseAction.FILE, {}),
        (CaseAction.DISPATCH, dispatch),
    )
    for action, params in steps:
        await workflow.act(
            session, tracked, action, None, params, clock=clock, rulebook=rulebook, now=now
        )


@dataclass(frozen=True)
class QueueItem:
    case: TrackedCase
    clock: workflow.ClockReading
    actions: list[CaseAction]
    suggested_department_id: str | None = None


async def _item(
    session: AsyncSession,
    tracked: TrackedCase,
    caller: Identity,
    clock: Clock,
    rulebook: Rulebook,
    now: datetime,
) -> QueueItem:
    actions = lifecycle.actions_for(workflow.state_of(tracked), caller)
    suggestion = None
    if CaseAction.DISPATCH in actions and tracked.grid_id is not None:  # what the rules would do
        _, suggestion = await rules.responsible(
            session,
            rulebook,
            category=tracked.category,
            grid_id=tracked.grid_id,
            zone_type=tracked.zone_type,
        )
    return QueueItem(tracked, workflow.read_clock(tracked, clock, now), actions, suggestion)


async def work_queue(
    session: AsyncSession,
    *,
    caller: Identity,
    clock: Clock,
    rulebook: Rulebook,
    limit: int,
    now: datetime,
) -> list[QueueItem]:
    """The open cases the caller acts on, the most urgent deadline first, each with its traffic
    light, the actions the caller may take on it now and, for a dispatcher, the department the
    rules name."""
    rows = await repository.open_cases(
        session,
        visible=workflow.visible_cases(caller),
        limit=limit,
    )
    return [await _item(session, row, caller, clock, rulebook, now) for row in rows]


async def case_item(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    caller: Identity,
    clock: Clock,
    rulebook: Rulebook,
    now: datetime,
) -> QueueItem:
    """One case as the caller's queue shows it (404 when it is not in the caller's work)."""
    tracked = await session.get(TrackedCase, case_id)
    if tracked is None or not workflow.may_see(caller, tracked):
        raise CaseNotFound(f"No case with id {case_id} in your work")
    return await _item(session, tracked, caller, clock, rulebook, now)


async def map_cases(
    session: AsyncSession, *, caller: Identity, clock: Clock, limit: int, now: datetime
) -> list[tuple[TrackedCase, workflow.ClockReading]]:
    """The open cases the caller sees that have a place, each with its clock (the live map's
    layer of cases)."""
    rows = await repository.open_cases(
        session, visible=workflow.visible_cases(caller), limit=limit, placed=True
    )
    return [(row, workflow.read_clock(row, clock, now)) for row in rows]


async def act_on_case(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    action: str,
    params: dict[str, Any],
    caller: Identity,
    clock: Clock,
    rulebook: Rulebook,
    now: datetime,
    auto_dispatch: bool = True,
) -> QueueItem:
    """A person's action on a case (the lifecycle decides whether it may happen)."""
    tracked = await workflow.load_for_action(session, case_id, caller)
    await workflow.act(
        session, tracked, action, caller, params, clock=clock, rulebook=rulebook, now=now
    )
    if (
        action == CaseAction.CONFIRM and auto_dispatch
    ):  # verified: the platform takes it on by the rules
        await dispatch_by_rules(session, tracked, clock=clock, rulebook=rulebook, now=now)
    elif action == CaseAction.DISPOSE:
        # a device that reported healthy already: the system checks and closes at once
        await devices.settle(session, tracked, clock=clock, rulebook=rulebook, now=now)
    elif action == CaseAction.PASS_CHECK and tracked.source == HOTLINE:
        # fixed: the 12345 hotline calls the citizen back (回访), whose answer closes the case
        # or sends it back for rework
        reason = "checked on site: the hotline calls back"
        params = {"reason": reason}
        callback = CaseAction.REQUEST_CALLBACK
        await workflow.act(
            session, tracked, callback, None, params, clock=clock, rulebook=rulebook, now=now
        )
    return await _item(session, tracked, caller, clock, rulebook, now)
