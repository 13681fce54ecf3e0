"""Case tasks from routing in the officers' routes: an officer of the case's grid must verify a
report on site (核实) or check a fix (核查). A task becomes a visit of the shift running when it
is asked for, at the case's place, due at routing's stage limit; the shift is planned again
(by the watch loop, after the event is committed, so a crash loses no task). The case's next
step (confirm or refute, pass or fail the check; or a cancellation) settles the visit. A task
asked for in a shift's last half hour, or still open when its shift ends, is the next shift's."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zg_common.contracts.routing import (
    CaseAction,
    CaseStatus,
    CaseTask,
    CaseTaskRequested,
    CaseTransitioned,
)
from zg_common.db import exclusive, unit_of_work
from zg_patrol.models import PlanVisit
from zg_patrol.plans import repository
from zg_patrol.plans.replan import replan_shift
from zg_patrol.plans.service import AWAITING, OPEN, TASKS
from zg_patrol.requirements import Requirements
from zg_patrol.runtime import PatrolRuntime
from zg_patrol.territory import service as territory

log = logging.getLogger(__name__)

# the case's state while a task is open, and the actions that answer it; a task this version
# does not know is logged and left out of the routes, an unknown action settles no task
WAITS_IN: dict[str, CaseStatus] = {
    CaseTask.VERIFY: CaseStatus.VERIFYING,
    CaseTask.CHECK: CaseStatus.CHECKING,
}
ANSWERS: dict[str, set[CaseAction]] = {
    CaseTask.VERIFY: {CaseAction.CONFIRM, CaseAction.REFUTE},
    CaseTask.CHECK: {CaseAction.PASS_CHECK, CaseAction.FAIL_CHECK},
}
MIN_WINDOW = timedelta(minutes=5)
# asked for this close to the end of a shift, a task is the next shift's (nobody would walk
# there in time, and the officers are heading back)
HANDOVER = timedelta(minutes=30)


def task_visit_id(task: CaseTaskRequested) -> str:
    """Stable per request (a redelivered event makes no second visit); at most 60 characters."""
    case = task.case_id.replace("-", "")
    return f"T:{case}:{task.task}:{task.requested_at.astimezone(UTC):%Y%m%d%H%M%S}"


async def add_task(
    session: AsyncSession, task: CaseTaskRequested, requirements: Requirements
) -> PlanVisit | None:
    """The task as a visit of the shift running at its request, waiting for its route."""
    if task.grid_id is None or task.lat is None or task.lon is None:
        log.warning("case task without a grid or place", extra={"case_id": task.case_id})
        return None
    if task.task not in WAITS_IN or not await territory.has_grid(session, task.grid_id):
        log.warning(
            "case task patrol cannot route",
            extra={"case_id": task.case_id, "task": task.task, "grid_id": task.grid_id},
        )
        return None
    day, shift, _, shift_end = requirements.shift_at(task.requested_at)
    start = task.requested_at
    if shift_end - start < HANDOVER:  # the shift is nearly over: the next one takes it
        day, shift, start, shift_end = requirements.shift_at(shift_end)
    end = min(task.due_at, shift_end)
    if end - start < MIN_WINDOW:
        end = shift_end  # due after the shift or too soon to plan: this shift, as soon as it can
    now = datetime.now(UTC)
    visit_id = task_visit_id(task)
    await session.execute(
        pg_insert(PlanVisit)
        .values(
            id=visit_id,
            day=day,
            run_id=None,
            grid_id=task.grid_id,
            shift=shift.id,
            point_id=None,
            lat=task.lat,
            lon=task.lon,
            kind=task.task,
            case_id=task.case_id,
            window_start=start,
            window_end=end,
            status="unplanned",
            reason=AWAITING,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    return await session.get(PlanVisit, visit_id)


async def settle_tasks(session: AsyncSession, step: CaseTransitioned) -> int:
    """The case left the state a task waits in: the task is done (the officer's answer) or no
    longer needed (cancelled). How many tasks it settled."""
    if step.from_status not in WAITS_IN.values() or step.to_status == step.from_status:
        return 0  # no task waits in the state it left (most steps): nothing to look up
    open_tasks = await repository.open_tasks_of_case(
        session, step.case_id, tasks=TASKS, open_statuses=OPEN
    )
    settled = 0
    for visit in open_tasks:
        if WAITS_IN[visit.kind] != step.from_status:
            continue
        answered = step.action in ANSWERS[visit.kind]
        visit.status = "done" if answered else "cancelled"
        if answered:
            visit.done_at, visit.done_by = step.at, step.actor_badge
        visit.updated_at = datetime.now(UTC)
        settled += 1
    return settled


async def carry_over(
    sessions: async_sessionmaker[AsyncSession], requirements: Requirements, *, now: datetime
) -> int:
    """Open tasks of shifts that have ended move to the shift running now (their limit has
    passed: as soon as the shift can). How many moved."""
    day, shift, _, shift_end = requirements.shift_at(now)
    async with unit_of_work(sessions) as session:
        tasks = await repository.open_tasks(session, tasks=TASKS, open_statuses=OPEN)
        moved = 0
        for visit in tasks:
            _, ended = requirements.shift(visit.shift).on(visit.day, requirements.zone)
            if ended > now:
                continue
            visit.day, visit.shift = day, shift.id
            visit.window_start, visit.window_end = now, shift_end
            visit.status, visit.reason = "unplanned", AWAITING
            visit.officer_badge, visit.seq, visit.eta = None, None, None
            visit.updated_at = now
            moved += 1
        return moved


async def route_waiting(runtime: PatrolRuntime, *, now: datetime, time_limit_s: float) -> int:
    """Plan again each shift with tasks waiting for a route; how many shifts."""
    async with unit_of_work(runtime.sessions) as session:
        shifts = await repository.shifts_waiting(session, AWAITING)
    for day, grid_id, shift_id in shifts:
        await replan_shift(
            runtime,
            day=day,
            grid_id=grid_id,
            shift_id=shift_id,
            by="patrol:case-tasks",
            now=now,
            time_limit_s=time_limit_s,
        )
    return len(shifts)


async def watch(runtime: PatrolRuntime) -> None:
    """Background loop: carry tasks over ended shifts, route the tasks waiting (one replica
    at a time)."""
    settings = runtime.settings
    interval = settings.task_watch_interval_s
    limit = settings.replan_time_limit_s
    requirements = runtime.state.requirements
    while True:
        now = datetime.now(UTC)
        # one replica at a time: two would each re-plan a shift and announce it twice
        async with exclusive(runtime.sessions, "patrol.case-tasks") as mine:
            if mine:
                await carry_over(runtime.sessions, requirements, now=now)
                await route_waiting(runtime, now=now, time_limit_s=limit)
        await asyncio.sleep(interval)
