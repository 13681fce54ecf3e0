"""Planning the rest of one grid's shift again, from now: when an officer drops out, when a case
task (核实, 核查) arrives, when a new day plan leaves the day's tasks to be routed. The
officers still on the shift start from where they are; visits already settled (done, early,
late, missed) do not move; whatever cannot be reached any more comes back unplanned with its
reason, and every officer of the shift gets the new version of their tasks."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.patrol import OfficerTasksAssigned
from zg_common.db import unit_of_work
from zg_common.identity import Identity
from zg_patrol.exceptions import OfficerNotFound
from zg_patrol.models import OfficerAbsence, PlanRun, PlanVisit
from zg_patrol.places import grid_base
from zg_patrol.plans import repository
from zg_patrol.plans.planning import NO_OFFICER, UNREACHABLE, Call, solve_calls
from zg_patrol.plans.service import OPEN, TASKS, absences, planned_visit, publish_tasks
from zg_patrol.plans.solver import TASK_PRIZE, Job, Walker
from zg_patrol.positions import service as positions
from zg_patrol.requirements import Requirements
from zg_patrol.runtime import PatrolRuntime
from zg_patrol.territory import service as territory


async def replan_shift(
    runtime: PatrolRuntime,
    *,
    day: date,
    grid_id: str,
    shift_id: str,
    by: str,
    now: datetime,
    time_limit_s: float,
) -> tuple[PlanRun, list[PlanVisit]]:
    """Plan the open visits of `grid_id`'s `shift_id` of `day` again from `now` (or the
    shift's start). Returns the run and the visits it planned or left out."""
    requirements = runtime.state.requirements
    shift_begin, shift_end = requirements.shift(shift_id).on(day, requirements.zone)
    start = max(now, shift_begin)
    async with unit_of_work(runtime.sessions) as session:
        grid = await territory.grid(session, grid_id)
        open_visits = await repository.open_visits_of_shift(
            session,
            day=day,
            grid_id=grid_id,
            shift_id=shift_id,
            open_statuses=OPEN,
            tasks=TASKS,
            after=start,
        )
        on_shift = [
            o.badge for o in await territory.officers(session, grid_id=grid_id, shift=shift_id)
        ]
        leaves = await absences(session, day)
        object_type = {
            p.id: p.object_type for p in await territory.points(session, grid_id=grid_id)
        }
        where = {b: await last_place(session, day, b, now=now) for b in on_shift}
    base = grid_base(grid.geometry)
    walkers = [
        Walker(
            b, where[b] or base, start, base, min(shift_end, leaves.get((b, shift_id), shift_end))
        )
        for b in sorted(on_shift)
        if leaves.get((b, shift_id), shift_end) > start
    ]
    jobs = [
        job
        for v in open_visits
        if (job := _job(v, requirements, object_type, walkers, start, shift_end)) is not None
    ]
    # in a worker process (see `solve_calls`); this thread only waits for it
    (solved,) = await asyncio.to_thread(
        solve_calls,
        [Call(tuple(jobs), tuple(walkers), time_limit_s)],
        walking=requirements.walking,
        workers=1,
    )
    reason = UNREACHABLE if walkers else NO_OFFICER
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('patrol.plan'), :day)"),
            {"day": day.toordinal()},
        )
        run = PlanRun(
            day=day,
            generated_at=datetime.now(UTC),
            generated_by=by,
            seconds=round(solved.seconds, 3),
            visits=len(jobs),
            planned=len(jobs) - len(solved.unassigned),
            length_m=solved.total_length_m,
            unplanned_by_reason={reason: len(solved.unassigned)} if solved.unassigned else {},
        )
        session.add(run)
        await session.flush()
        # still open (a check-in or a new day plan may have come between); one statement to
        # lock and one to write, so that check-ins wait milliseconds, not a round trip a visit
        still = await repository.lock_open_visits(
            session, [v.id for v in open_visits], open_statuses=OPEN
        )
        stamp = datetime.now(UTC)
        before = {row.officer_badge for row in still.values() if row.officer_badge}
        changes: dict[str, dict[str, object]] = {}
        for walker_id, stops in solved.routes.items():
            solved.routes[walker_id] = stops = [s for s in stops if s.job_id in still]
            for seq, stop in enumerate(stops, start=1):
                changes[stop.job_id] = _route(walker_id, seq, stop.arrive_at, "planned", None)
        for job_id in solved.unassigned:
            if job_id in still:
                changes[job_id] = _route(None, None, None, "unplanned", reason)
        await repository.rewrite_visits(  # read back into the same (locked) rows
            session,
            [{"id": i, **c, "run_id": run.id, "updated_at": stamp} for i, c in changes.items()],
        )
        moved = still
        # every walker's new list; an officer who is off now hears that nothing is left
        await publish_tasks(
            session,
            [
                OfficerTasksAssigned(
                    day=day,
                    shift=shift_id,
                    badge=badge,
                    grid_id=grid_id,
                    version=run.id,
                    length_m=solved.length_m.get(badge, 0),
                    visits=[
                        planned_visit(moved[s.job_id], n, s.arrive_at)
                        for n, s in enumerate(solved.routes.get(badge, []), start=1)
                    ],
                    shift_start=shift_begin,
                    shift_end=shift_end,
                )
                for badge in sorted(set(solved.routes) | before)
            ],
        )
        return run, list(moved.values())


def _route(
    badge: str | None, seq: int | None, eta: datetime | None, status: str, reason: str | None
) -> dict[str, object]:
    return {"officer_badge": badge, "seq": seq, "eta": eta, "status": status, "reason": reason}


def _job(
    visit: PlanVisit,
    requirements: Requirements,
    object_type: dict[str, str],
    walkers: list[Walker],
    start: datetime,
    shift_end: datetime,
) -> Job | None:
    """The visit as a job from `start`. A case task's limit is a target: when no walker can be
    there in time, the task is still walked to within the shift (routing escalates the lateness);
    it outweighs patrol visits when not all fit."""
    begin = max(visit.window_start, start)
    if visit.kind in TASKS:
        place = (visit.lat, visit.lon)
        left_s = (visit.window_end - begin).total_seconds()
        reachable = any(requirements.walking.seconds(w.start, place) <= left_s for w in walkers)
        end = visit.window_end if reachable else shift_end
        return Job(
            visit.id,
            visit.lat,
            visit.lon,
            begin,
            max(end, begin),
            requirements.service_s(visit.kind),
            prize=TASK_PRIZE,
        )
    if visit.point_id not in object_type:
        return None  # the point was removed since
    return Job(
        visit.id,
        visit.lat,
        visit.lon,
        begin,
        visit.window_end,
        requirements.service_s(object_type[visit.point_id]),
    )


async def drop_out(
    runtime: PatrolRuntime,
    *,
    day: date,
    badge: str,
    reason: str,
    caller: Identity,
    now: datetime,
    time_limit_s: float = 2.0,
) -> tuple[PlanRun, list[PlanVisit]]:
    """An officer leaves mid-shift: recorded as an absence from now (later plans of the shift
    leave them out too), and the rest of the shift in their grid planned again for the
    colleagues still on it."""
    requirements = runtime.state.requirements
    async with unit_of_work(runtime.sessions) as session:
        officer = await territory.officer(session, badge)
        if officer is None:
            raise OfficerNotFound(f"No officer {badge}")
        grid_id, shift_id = officer.grid_id, officer.shift
        begin, _ = requirements.shift(shift_id).on(day, requirements.zone)
        session.add(
            OfficerAbsence(
                badge=badge,
                day=day,
                shift=shift_id,
                from_at=max(now, begin),
                reason=reason,
                recorded_by=caller.sub,
                recorded_at=now,
            )
        )
    return await replan_shift(
        runtime,
        day=day,
        grid_id=grid_id,
        shift_id=shift_id,
        by=caller.sub,
        now=now,
        time_limit_s=time_limit_s,
    )


async def last_place(
    session: AsyncSession, day: date, badge: str, *, now: datetime
) -> tuple[float, float] | None:
    """Where an officer is, to go on from: the latest fix the app reported if it is fresh,
    else where they last checked in today."""
    fix = await positions.fresh_position(session, badge, now=now)
    row = await repository.last_check_in(session, day, badge)
    if fix is not None and (row is None or row[2] is None or fix.at >= row[2]):
        return fix.lat, fix.lon
    return (row[0], row[1]) if row else None
