"""Driving a case through its lifecycle: one function applies any action, from the rules
(automatic accept, file, dispatch) or from a person through the API, with its effect on the
disposal clock, the transition log and the events — all in the caller's
transaction. The clock's state lives in `case_state`, so a restart loses no deadline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope
from zg_common.contracts.routing import (
    CaseAction,
    CaseDispatched,
    CaseStatus,
    CaseTask,
    CaseTaskRequested,
    CaseTransitioned,
)
from zg_common.errors import CaseNotFound, FieldError, ValidationFailed
from zg_common.identity import Identity
from zg_routing import lifecycle
from zg_routing.calendar import Clock, Light, Urgency, light
from zg_routing.models import CaseTransition, Department, TrackedCase, outbox
from zg_routing.rulebook import Rulebook

MINUTE = timedelta(minutes=1)


def state_of(tracked: TrackedCase) -> lifecycle.CaseState:
    return lifecycle.CaseState(
        status=tracked.status,
        source=tracked.source,
        grid_id=tracked.grid_id,
        department_id=tracked.department_id,
        verified=tracked.verified,
        reworks=tracked.reworks,
        returns=tracked.returns,
        extensions=tracked.extensions,
    )


def may_see(caller: Identity, tracked: TrackedCase) -> bool:
    """Row rules of the workflow, the caller's `Scope`: the command centre, the case's
    department, the officers of its grid, a partner key for the cases of its departments and
    the cases it reported."""
    return Scope.of(caller).sees(
        grid_id=tracked.grid_id,
        department_id=tracked.department_id,
        reporter=tracked.partner_key_id,
    )


def visible_cases(caller: Identity) -> ColumnElement[bool]:
    """`may_see` as a SQL condition, for the work queues."""
    return Scope.of(caller).where(
        grid=TrackedCase.grid_id,
        department=TrackedCase.department_id,
        reporter=TrackedCase.partner_key_id,
    )


@dataclass(frozen=True)
class ClockReading:
    used: timedelta | None
    light: Light | None


def read_clock(tracked: TrackedCase, clock: Clock, now: datetime) -> ClockReading:
    """Working time used of the limit, and the light; none while the case is not in disposal."""
    if tracked.limit_minutes is None or tracked.calendar_id is None:
        return ClockReading(None, None)
    used = tracked.used_before_minutes * MINUTE
    if tracked.clock_started_at is not None:
        used += clock.calendars[tracked.calendar_id].between(tracked.clock_started_at, now)
    running = tracked.clock_started_at is not None or tracked.paused_at is not None
    return ClockReading(used, light(used, tracked.limit_minutes * MINUTE) if running else None)


async def act(
    session: AsyncSession,
    tracked: TrackedCase,
    action: str,
    actor: Identity | None,
    params: dict[str, Any],
    *,
    clock: Clock,
    rulebook: Rulebook,
    now: datetime,
) -> lifecycle.Outcome:
    """Apply `action` (actor None: the platform by its rules) and everything it implies."""
    outcome = lifecycle.apply(state_of(tracked), action, actor, params)
    action = outcome.transition.action  # the vocabulary's member from here on
    before, before_department = tracked.status, tracked.department_id
    department = None
    if action == CaseAction.DISPATCH:
        department = await rulebook.department(session, params["department_id"])
        if department is None:
            raise ValidationFailed(
                f"No department {params['department_id']}",
                errors=[
                    FieldError(field="department_id", code="unknown_department", message="unknown")
                ],
            )
    new = outcome.state
    stage_on_time = None
    if new.status != before and tracked.stage is not None and tracked.stage_due_at is not None:
        stage_on_time = now <= tracked.stage_due_at
    tracked.status, tracked.verified = new.status, new.verified
    tracked.department_id = new.department_id
    tracked.reworks, tracked.returns, tracked.extensions = new.reworks, new.returns, new.extensions
    tracked.updated_at = now
    _run_clock(tracked, outcome.transition.clock, action, department, clock=clock, now=now)
    if outcome.transition.clock in ("start", "resume", "extend"):
        _arm_watch(tracked, clock=clock, now=now)
    if action.startswith("request_"):
        tracked.pending = {"action": action, **params}
    elif action.startswith(("approve_", "deny_")):
        tracked.pending = {}
    if new.status != before:
        enter_stage(tracked, clock=clock, now=now)
    if department is not None:
        await _announce_dispatch(session, tracked, department, params.get("rule_id"))
    reason = str(params.get("reason") or params.get("result") or params.get("verification") or "")
    session.add(
        CaseTransition(
            case_id=tracked.case_id,
            action=action,
            from_status=before,
            to_status=new.status,
            actor_sub=actor.sub if actor else "system",
            actor_role=actor.role if actor else "system",
            params=params,
            at=now,
        )
    )
    if action in TASKS and not params.get("by_device"):
        await _request_task(session, tracked, TASKS[action], now=now)
    names = {department.id: department.name} if department else {}
    if tracked.department_id and tracked.department_id not in names:
        known = await rulebook.department(session, tracked.department_id)
        names[tracked.department_id] = known.name if known else tracked.department_id
    await outbox.add(
        session,
        CaseTransitioned(
            case_id=str(tracked.case_id),
            action=action,
            from_status=before,
            to_status=new.status,
            actor_role=actor.role if actor else "system",
            reason=reason[:2000],
            department_id=tracked.department_id,
            department_name=names.get(tracked.department_id or ""),
            due_at=tracked.due_at,
            time_limit=tracked.time_limit,
            at=now,
            from_department_id=before_department,
            reworks=tracked.reworks,
            returns=tracked.returns,
            extensions=tracked.extensions,
            stage_on_time=stage_on_time,
            actor_badge=actor.badge if actor else None,
            grid_id=tracked.grid_id,
        ),
        subject=str(tracked.case_id),
    )
    return outcome


# the states that wait for the command centre's next step, and the stage limit that applies
STAGES: dict[str, str] = {
    CaseStatus.VERIFYING: "verify",
    CaseStatus.REPORTED: "accept",
    CaseStatus.ACCEPTED: "file",
    CaseStatus.FILED: "dispatch",
    CaseStatus.CHECKING: "check",
}


def enter_stage(tracked: TrackedCase, *, clock: Clock, now: datetime) -> None:
    """Start the stage clock of the case's state (the command centre works 24x7: wall-clock
    minutes), or stop it in a state that waits for nobody in the centre."""
    stage = STAGES.get(tracked.status)
    if stage == "accept" and tracked.source in lifecycle.MUST_VERIFY and not tracked.verified:
        stage = None  # a public report is first sent to an officer (request_verification)
    tracked.stage, tracked.stage_overdue_at = stage, None
    tracked.stage_due_at = None
    if stage is not None:
        urgency: Urgency = "urgent" if tracked.urgency == "urgent" else "normal"
        limit = clock.limits.stage_limit(stage, urgency)
        tracked.stage_due_at = now + timedelta(minutes=limit.value)


# actions that send an officer of the grid to the place, and the stage limit that applies
TASKS = {CaseAction.REQUEST_VERIFICATION: CaseTask.VERIFY, CaseAction.REQUEST_CHECK: CaseTask.CHECK}


async def _request_task(
    session: AsyncSession, tracked: TrackedCase, task: str, *, now: datetime
) -> None:
    assert tracked.stage == task and tracked.stage_due_at is not None
    await outbox.add(
        session,
        CaseTaskRequested(
            case_id=str(tracked.case_id),
            number=tracked.number,
            task=task,
            category=tracked.category,
            grid_id=tracked.grid_id,
            lat=tracked.lat,
            lon=tracked.lon,
            due_at=tracked.stage_due_at,
            requested_at=now,
        ),
        subject=str(tracked.case_id),
    )


def _run_clock(
    tracked: TrackedCase,
    effect: str,
    action: str,
    department: Department | None,
    *,
    clock: Clock,
    now: datetime,
) -> None:
    calendar = clock.calendars.get(tracked.calendar_id or "")
    if effect == "start" and department is not None:  # a (re)dispatch: this department's clock
        urgency: Urgency = "urgent" if tracked.urgency == "urgent" else "normal"
        limit, due = clock.disposal_deadline(
            category=tracked.category, urgency=urgency, calendar_id=department.calendar, start=now
        )
        calendar = clock.calendars[department.calendar]
        tracked.calendar_id = department.calendar
        tracked.limit_minutes = int(limit.working_time(calendar) / MINUTE)
        tracked.time_limit = f"{limit.value} {limit.unit}"
        tracked.used_before_minutes, tracked.paused_at = 0, None
        tracked.clock_started_at, tracked.due_at = now, due
    elif effect == "start" and calendar is not None and tracked.limit_minutes is not None:
        # rework (failed check, unsatisfied call-back): the same department, a fresh limit
        tracked.used_before_minutes, tracked.paused_at = 0, None
        tracked.clock_started_at = now
        tracked.due_at = calendar.add(now, tracked.limit_minutes * MINUTE)
    elif effect in ("stop", "pause") and calendar is not None:
        if tracked.clock_started_at is not None:
            used = calendar.between(tracked.clock_started_at, now)
            tracked.used_before_minutes += int(used / MINUTE)
        tracked.clock_started_at = None
        tracked.paused_at = now if effect == "pause" else None
    elif effect == "resume" and calendar is not None and tracked.limit_minutes is not None:
        left = max(tracked.limit_minutes - tracked.used_before_minutes, 0) * MINUTE
        tracked.clock_started_at, tracked.paused_at = now, None
        tracked.due_at = calendar.add(now, left)
    elif effect == "extend" and calendar is not None and tracked.due_at is not None:
        hours = float(tracked.pending.get("hours", 0))
        tracked.limit_minutes = (tracked.limit_minutes or 0) + int(hours * 60)
        tracked.time_limit = extended(tracked.time_limit, hours)
        tracked.due_at = calendar.add(tracked.due_at, timedelta(hours=hours))


def extended(time_limit: str | None, hours: float) -> str:
    """The limit with approved extensions summed, not listed: `2 working_days + 48
    working_hours` after two of 24 (a fixed-size text however many are approved)."""
    base, _, extra = (time_limit or "").partition(" + ")
    try:
        before = float(extra.split()[0]) if extra else 0.0
    except ValueError:
        before = 0.0
    return f"{base} + {before + hours:g} working_hours"


WARN_SHARE = 0.8


def _arm_watch(tracked: TrackedCase, *, clock: Clock, now: datetime) -> None:
    """The moments the watch announces for this run of the clock: 80 % of the limit used, and
    the deadline. A moved deadline (extension) or a new run announces them again."""
    calendar = clock.calendars.get(tracked.calendar_id or "")
    if calendar is None or tracked.limit_minutes is None or tracked.clock_started_at is None:
        return
    used = tracked.used_before_minutes * MINUTE + calendar.between(tracked.clock_started_at, now)
    to_warning = tracked.limit_minutes * MINUTE * WARN_SHARE - used
    tracked.warn_at = calendar.add(now, max(to_warning, timedelta(0)))
    tracked.warned_at = None
    tracked.overdue_at = None


def recount_deadline(tracked: TrackedCase, clock: Clock, *, now: datetime) -> int:
    """A running clock after its calendar changed: the deadline and the 80 % moment counted
    again in the new hours from when this run started; a moment moved past the time it was
    announced is announced again. Returns 1 if the deadline moved."""
    calendar = clock.calendars.get(tracked.calendar_id or "")
    start = tracked.clock_started_at
    if calendar is None or tracked.limit_minutes is None or start is None:
        return 0
    left = max(tracked.limit_minutes - tracked.used_before_minutes, 0) * MINUTE
    warn_left = max(tracked.limit_minutes * WARN_SHARE - tracked.used_before_minutes, 0) * MINUTE
    due, warn = calendar.add(start, left), calendar.add(start, warn_left)
    if tracked.warned_at is not None and warn > tracked.warned_at:
        tracked.warned_at = None
    if tracked.overdue_at is not None and due > tracked.overdue_at:
        tracked.overdue_at = None
    moved = due != tracked.due_at
    tracked.due_at, tracked.warn_at = due, warn
    if moved:
        tracked.updated_at = now
    return int(moved)


async def _announce_dispatch(
    session: AsyncSession, tracked: TrackedCase, department: Department, rule_id: str | None
) -> None:
    """Every dispatch, by the rules or by a dispatcher: the `dispatched` event (the department,
    its deadline, the rule that chose it)."""
    assert tracked.due_at is not None and tracked.clock_started_at is not None
    assert tracked.grid_id is not None
    await outbox.add(
        session,
        CaseDispatched(
            case_id=str(tracked.case_id),
            grid_id=tracked.grid_id,
            zone_type=tracked.zone_type or "",
            department_id=department.id,
            department_name=department.name,
            rule_id=rule_id,
            dispatched_at=tracked.clock_started_at,
            due_at=tracked.due_at,
            time_limit=tracked.time_limit,
            calendar_id=department.calendar,
        ),
        subject=str(tracked.case_id),
    )


async def load_for_action(
    session: AsyncSession, case_id: uuid.UUID, caller: Identity
) -> TrackedCase:
    tracked = await session.get(TrackedCase, case_id, with_for_update=True)
    if tracked is None or not may_see(caller, tracked):
        raise CaseNotFound(f"No case with id {case_id} in your work")
    return tracked
