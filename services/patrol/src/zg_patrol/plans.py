"""Making and reading the day's patrol plan: the territory and the officers from the database,
the requirements from the data set, the routes from the planner (in worker processes, off the
event loop), the result stored visit by visit and each officer's tasks published."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.app import Runtime
from zg_common.contracts.patrol import OfficerTasksPublished, PlanGenerated, PlannedVisit
from zg_common.db import unit_of_work
from zg_common.errors import FieldError, ValidationFailed
from zg_common.identity import Identity
from zg_patrol.exceptions import OfficerNotFound, PlanNotFound
from zg_patrol.models import (
    Grid,
    MakeupVisit,
    Officer,
    PatrolPoint,
    PlanRun,
    PlanVisit,
    outbox,
)
from zg_patrol.planning import UNREACHABLE, DayPlan, OfficerRef, plan_day
from zg_patrol.requirements import PointRef, Requirements, Visit
from zg_patrol.solver import Job, Walker, solve
from zg_patrol.territory import grid_base

OPEN = ("planned", "unplanned")  # states a new run replaces; the others are history
PLAN_AHEAD_DAYS = 14


def check_day(day: date, requirements: Requirements, now: datetime) -> None:
    today = now.astimezone(requirements.zone).date()
    if not today <= day <= today + timedelta(days=PLAN_AHEAD_DAYS):
        message = f"plans are made for today ({today}) up to {PLAN_AHEAD_DAYS} days ahead"
        raise ValidationFailed(
            message, errors=[FieldError(field="day", code="out_of_range", message=message)]
        )


async def _territory(
    session: AsyncSession,
) -> tuple[list[PointRef], list[OfficerRef], dict[str, tuple[float, float]]]:
    grids = list(await session.scalars(select(Grid)))
    zone_of = {g.id: g.zone_type for g in grids}
    points = [
        PointRef(p.id, p.grid_id, zone_of[p.grid_id], p.object_type, p.lat, p.lon)
        for p in await session.scalars(select(PatrolPoint).order_by(PatrolPoint.id))
    ]
    officers = [
        OfficerRef(o.badge, o.grid_id, o.shift)
        for o in await session.scalars(select(Officer).order_by(Officer.badge))
    ]
    return points, officers, {g.id: grid_base(g.geometry) for g in grids}


async def generate(runtime: Runtime, day: date, caller: Identity) -> PlanRun:
    """Make `day`'s plan: every visit the requirements ask for, minus those already done; the
    previous run's open visits are replaced."""
    requirements: Requirements = runtime.state["requirements"]
    check_day(day, requirements, datetime.now(UTC))
    settings = runtime.settings
    async with unit_of_work(runtime.sessions) as session:
        points, officers, bases = await _territory(session)
        settled = set(
            await session.scalars(
                select(PlanVisit.id).where(PlanVisit.day == day, PlanVisit.status.not_in(OPEN))
            )
        )
        owed = list(
            await session.scalars(
                select(MakeupVisit).where(
                    (MakeupVisit.planned_day.is_(None)) | (MakeupVisit.planned_day == day)
                )
            )
        )
    visits = [v for v in requirements.visits(day, points) if v.id not in settled]
    visits += [m for m in makeups(day, owed, points, requirements) if m.id not in settled]
    workers = int(getattr(settings, "plan_workers", 0)) or os.cpu_count() or 1
    plan = await asyncio.to_thread(
        plan_day,
        day,
        visits,
        officers,
        bases,
        requirements,
        time_limit_s=float(getattr(settings, "plan_time_limit_s", 7.0)),
        workers=workers,
    )
    async with unit_of_work(runtime.sessions) as session:
        # one writer per day at a time; the later run replaces the earlier's open visits
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('patrol.plan'), :day)"),
            {"day": day.toordinal()},
        )
        return await _store(session, plan, caller)


def makeups(
    day: date, owed: list[MakeupVisit], points: list[PointRef], requirements: Requirements
) -> list[Visit]:
    """The make-up visits (补巡) owed for missed ones: once each, in the day shift of `day`."""
    by_id = {p.id: p for p in points}
    first = requirements.shifts[0]
    begin, end = first.on(day, requirements.zone)
    out = []
    for m in owed:
        point = by_id.get(m.point_id)
        if point is None:
            continue  # the point was removed since
        digest = hashlib.sha1(m.missed_visit_id.encode()).hexdigest()[:16]
        out.append(
            requirements.visit(
                f"M:{day.isoformat()}:{digest}",
                point,
                first,
                begin,
                end,
                kind="makeup",
                origin=m.missed_visit_id,
            )
        )
    return out


async def _store(session: AsyncSession, plan: DayPlan, caller: Identity) -> PlanRun:
    now = datetime.now(UTC)
    reasons = Counter(p.reason or "" for p in plan.unplanned)
    run = PlanRun(
        day=plan.day,
        generated_at=now,
        generated_by=caller.sub,
        seconds=round(plan.seconds, 3),
        visits=len(plan.visits),
        planned=len(plan.visits) - len(plan.unplanned),
        length_m=plan.total_length_m,
        unplanned_by_reason=dict(reasons),
    )
    session.add(run)
    await session.flush()
    await session.execute(
        delete(PlanVisit).where(PlanVisit.day == plan.day, PlanVisit.status.in_(OPEN))
    )
    rows = [
        {
            "id": p.visit.id,
            "day": plan.day,
            "run_id": run.id,
            "grid_id": p.visit.grid_id,
            "shift": p.visit.shift,
            "point_id": p.visit.point_id,
            "kind": p.visit.kind,
            "case_id": p.visit.case_id,
            "window_start": p.visit.window_start,
            "window_end": p.visit.window_end,
            "officer_badge": p.officer,
            "seq": p.seq,
            "eta": p.eta,
            "status": "planned" if p.officer else "unplanned",
            "reason": p.reason,
            "updated_at": now,
        }
        for p in plan.visits
    ]
    if rows:
        await session.execute(insert(PlanVisit), rows)
    made_up = [p.visit.origin for p in plan.visits if p.visit.kind == "makeup"]
    if made_up:
        await session.execute(
            update(MakeupVisit)
            .where(MakeupVisit.missed_visit_id.in_(made_up))
            .values(planned_day=plan.day)
        )
    tasks: dict[tuple[str, str, str], list[PlannedVisit]] = defaultdict(list)
    for p in plan.visits:
        if p.officer is None or p.seq is None or p.eta is None:
            continue
        tasks[(p.officer, p.visit.shift, p.visit.grid_id)].append(
            PlannedVisit(
                visit_id=p.visit.id,
                seq=p.seq,
                point_id=p.visit.point_id,
                kind=p.visit.kind,
                case_id=p.visit.case_id,
                window_start=p.visit.window_start,
                window_end=p.visit.window_end,
                eta=p.eta,
            )
        )
    for (badge, shift, grid_id), visits in sorted(tasks.items()):
        await outbox.add(
            session,
            OfficerTasksPublished(
                day=plan.day,
                shift=shift,
                badge=badge,
                grid_id=grid_id,
                version=run.id,
                length_m=plan.length_m.get(badge, 0),
                visits=sorted(visits, key=lambda v: v.seq),
            ),
            subject=f"{plan.day.isoformat()}/{badge}",
        )
    await outbox.add(
        session,
        PlanGenerated(
            day=plan.day,
            version=run.id,
            visits=run.visits,
            planned=run.planned,
            unplanned_by_reason=dict(reasons),
            length_m=run.length_m,
            seconds=run.seconds,
        ),
        subject=plan.day.isoformat(),
    )
    return run


async def latest_run(session: AsyncSession, day: date) -> PlanRun:
    run = await session.scalar(
        select(PlanRun).where(PlanRun.day == day).order_by(PlanRun.id.desc()).limit(1)
    )
    if run is None:
        raise PlanNotFound(f"No plan has been made for {day}")
    return run


async def unplanned(session: AsyncSession, day: date, limit: int) -> list[PlanVisit]:
    return list(
        await session.scalars(
            select(PlanVisit)
            .where(PlanVisit.day == day, PlanVisit.status == "unplanned")
            .order_by(PlanVisit.window_start, PlanVisit.point_id)
            .limit(limit)
        )
    )


async def officer_tasks(
    session: AsyncSession, day: date, badge: str, caller: Identity, command: frozenset[str]
) -> tuple[Officer, list[tuple[PlanVisit, PatrolPoint]]]:
    """An officer's visits of the day in walking order, with the points: for the command
    centre and the officers of the same grid."""
    officer = await session.get(Officer, badge)
    visible = officer is not None and (
        caller.role in command or (caller.role == "officer" and officer.grid_id in caller.grid_ids)
    )
    if officer is None or not visible:
        raise OfficerNotFound(f"No officer {badge} in your grids")
    rows = await session.execute(
        select(PlanVisit, PatrolPoint)
        .join(PatrolPoint, PatrolPoint.id == PlanVisit.point_id)
        .where(PlanVisit.day == day, PlanVisit.officer_badge == badge)
        .order_by(PlanVisit.shift, PlanVisit.seq)
    )
    return officer, [(v, p) for v, p in rows.all()]


async def drop_out(
    runtime: Runtime,
    *,
    day: date,
    badge: str,
    caller: Identity,
    now: datetime,
    time_limit_s: float = 2.0,
) -> tuple[PlanRun, list[PlanVisit]]:
    """An officer leaves mid-shift: the rest of the shift in their grid is planned again for the
    colleagues still on it, each starting from where they last checked in (or the base), now.
    Visits already settled (done, early, late, missed) do not move; whatever cannot be reached
    any more comes back unplanned with its reason. Returns the run and the visits it moved."""
    requirements: Requirements = runtime.state["requirements"]
    async with unit_of_work(runtime.sessions) as session:
        officer = await session.get(Officer, badge)
        if officer is None:
            raise OfficerNotFound(f"No officer {badge}")
        grid = await session.get(Grid, officer.grid_id)
        assert grid is not None
        open_visits = list(
            await session.scalars(
                select(PlanVisit)
                .where(
                    PlanVisit.day == day,
                    PlanVisit.grid_id == officer.grid_id,
                    PlanVisit.shift == officer.shift,
                    PlanVisit.status.in_(OPEN),
                    PlanVisit.window_end > now,
                )
                .with_for_update()
            )
        )
        crew = [
            o.badge
            for o in await session.scalars(
                select(Officer).where(
                    Officer.grid_id == officer.grid_id,
                    Officer.shift == officer.shift,
                    Officer.badge != badge,
                )
            )
        ]
        points = {
            p.id: p
            for p in await session.scalars(
                select(PatrolPoint).where(PatrolPoint.grid_id == officer.grid_id)
            )
        }
        where = {b: await _last_place(session, day, b, points) for b in crew}
    base = grid_base(grid.geometry)
    shift_begin, shift_end = requirements.shift(officer.shift).on(day, requirements.zone)
    start = max(now, shift_begin)
    walkers = [Walker(b, where[b] or base, start, base, shift_end) for b in sorted(crew)]
    jobs = [
        Job(
            v.id,
            points[v.point_id].lat,
            points[v.point_id].lon,
            max(v.window_start, start),
            v.window_end,
            requirements.service_s(points[v.point_id].object_type),
        )
        for v in open_visits
        if v.point_id in points
    ]
    solved = await asyncio.to_thread(
        solve, jobs, walkers, walking=requirements.walking, time_limit_s=time_limit_s
    )
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('patrol.plan'), :day)"),
            {"day": day.toordinal()},
        )
        run = PlanRun(
            day=day,
            generated_at=datetime.now(UTC),
            generated_by=caller.sub,
            seconds=round(solved.seconds, 3),
            visits=len(jobs),
            planned=len(jobs) - len(solved.unassigned),
            length_m=solved.total_length_m,
            unplanned_by_reason={UNREACHABLE: len(solved.unassigned)} if solved.unassigned else {},
        )
        session.add(run)
        await session.flush()
        moved: dict[str, PlanVisit] = {}
        for v in open_visits:  # still there (a new day plan may have replaced them)
            row = await session.get(PlanVisit, v.id, with_for_update=True)
            if row is not None and row.status in OPEN:
                moved[v.id] = row
        stamp = datetime.now(UTC)
        for walker_id, stops in solved.routes.items():
            solved.routes[walker_id] = stops = [s for s in stops if s.job_id in moved]
            for seq, stop in enumerate(stops, start=1):
                row = moved[stop.job_id]
                row.officer_badge, row.seq, row.eta = walker_id, seq, stop.arrive_at
                row.status, row.reason = "planned", None
                row.run_id, row.updated_at = run.id, stamp
        for job_id in solved.unassigned:
            if job_id in moved:
                row = moved[job_id]
                row.officer_badge, row.seq, row.eta = None, None, None
                row.status, row.reason = "unplanned", UNREACHABLE
                row.run_id, row.updated_at = run.id, stamp
        for walker_id, stops in solved.routes.items():
            await outbox.add(
                session,
                OfficerTasksPublished(
                    day=day,
                    shift=officer.shift,
                    badge=walker_id,
                    grid_id=officer.grid_id,
                    version=run.id,
                    length_m=solved.length_m.get(walker_id, 0),
                    visits=[
                        PlannedVisit(
                            visit_id=s.job_id,
                            seq=n,
                            point_id=moved[s.job_id].point_id,
                            kind=moved[s.job_id].kind,
                            window_start=moved[s.job_id].window_start,
                            window_end=moved[s.job_id].window_end,
                            eta=s.arrive_at,
                        )
                        for n, s in enumerate(stops, start=1)
                    ],
                ),
                subject=f"{day.isoformat()}/{walker_id}",
            )
        return run, list(moved.values())


async def _last_place(
    session: AsyncSession, day: date, badge: str, points: dict[str, PatrolPoint]
) -> tuple[float, float] | None:
    """Where an officer last checked in today (their position to go on from)."""
    point_id = await session.scalar(
        select(PlanVisit.point_id)
        .where(PlanVisit.day == day, PlanVisit.done_by == badge, PlanVisit.done_at.is_not(None))
        .order_by(PlanVisit.done_at.desc())
        .limit(1)
    )
    point = points.get(point_id) if point_id else None
    return (point.lat, point.lon) if point else None
