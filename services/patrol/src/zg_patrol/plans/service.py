"""Making and reading the day's patrol plan: the territory and the officers from the database,
the requirements from the data set, the routes from the planner (in worker processes, off the
event loop), the result stored visit by visit and each officer's tasks published."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import cpus
from zg_common.authz import Scope
from zg_common.contracts.patrol import (
    OfficerTasksAssigned,
    PlanGenerated,
    PlannedVisit,
)
from zg_common.contracts.routing import CaseTask
from zg_common.db import exclusive, unit_of_work
from zg_common.errors import FieldError, ValidationFailed
from zg_patrol.exceptions import OfficerNotFound, PlanNotFound
from zg_patrol.models import (
    MakeupVisit,
    Officer,
    PatrolPoint,
    PlanRun,
    PlanVisit,
    outbox,
)
from zg_patrol.places import grid_base
from zg_patrol.plans import repository
from zg_patrol.plans.planning import DayPlan, OfficerRef, plan_day
from zg_patrol.requirements import PointRef, Requirements, Visit
from zg_patrol.runtime import PatrolRuntime
from zg_patrol.territory import service as territory

log = logging.getLogger(__name__)

OPEN = ("planned", "unplanned")  # states a new run replaces; the others are history
TASKS = tuple(CaseTask)  # case tasks: routed with the patrol visits, not required by them
AWAITING = "awaiting_route"  # a case task's reason until the re-planning of its shift
PLAN_AHEAD_DAYS = 14


def check_day(day: date, requirements: Requirements, now: datetime) -> None:
    today = requirements.local_day(now)
    if not today <= day <= today + timedelta(days=PLAN_AHEAD_DAYS):
        message = f"plans are made for today ({today}) up to {PLAN_AHEAD_DAYS} days ahead"
        raise ValidationFailed(
            message, errors=[FieldError(field="day", code="out_of_range", message=message)]
        )


async def _territory(
    session: AsyncSession,
) -> tuple[list[PointRef], list[OfficerRef], dict[str, tuple[float, float]]]:
    grids = await territory.grids(session)
    zone_of = {g.id: g.zone_type for g in grids}
    points = [
        PointRef(p.id, p.grid_id, zone_of[p.grid_id], p.object_type, p.lat, p.lon)
        for p in await territory.points(session)
    ]
    officers = [OfficerRef(o.badge, o.grid_id, o.shift) for o in await territory.officers(session)]
    return points, officers, {g.id: grid_base(g.geometry) for g in grids}


async def generate(runtime: PatrolRuntime, day: date, by: str) -> PlanRun:
    """Make `day`'s plan: every visit the requirements ask for, minus those already done and
    those whose window has closed (a plan made during the day starts from now: what it could
    not have planned is not missed); the previous run's open visits are replaced."""
    requirements = runtime.state.requirements
    now = datetime.now(UTC)
    check_day(day, requirements, now)
    settings = runtime.settings
    async with unit_of_work(runtime.sessions) as session:
        points, officers, bases = await _territory(session)
        # kept as they are: settled visits, and open ones whose window has closed (the
        # missed-visit watch's)
        settled = await repository.settled_visit_ids(session, day, open_statuses=OPEN, now=now)
        owed = await repository.makeups_owed(session, day)
        absent = await absences(session, day)
    visits = [v for v in requirements.visits(day, points) if v.id not in settled]
    visits += [m for m in makeups(day, owed, points, requirements) if m.id not in settled]
    visits = [v for v in visits if v.window_end > now]
    workers = settings.plan_workers or cpus.available()
    plan = await asyncio.to_thread(
        plan_day,
        day,
        visits,
        officers,
        bases,
        requirements,
        time_limit_s=settings.plan_time_limit_s,
        workers=workers,
        absent=absent,
        now=now,
    )
    async with unit_of_work(runtime.sessions) as session:
        # one writer per day at a time; the later run replaces the earlier's open visits
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('patrol.plan'), :day)"),
            {"day": day.toordinal()},
        )
        return await _store(session, plan, by, now, requirements)


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


async def _store(
    session: AsyncSession, plan: DayPlan, by: str, now: datetime, requirements: Requirements
) -> PlanRun:
    reasons = Counter(p.reason or "" for p in plan.unplanned)
    run = PlanRun(
        day=plan.day,
        generated_at=datetime.now(UTC),
        generated_by=by,
        seconds=round(plan.seconds, 3),
        visits=len(plan.visits),
        planned=len(plan.visits) - len(plan.unplanned),
        length_m=plan.total_length_m,
        unplanned_by_reason=dict(reasons),
    )
    session.add(run)
    await session.flush()
    is_open = (PlanVisit.day == plan.day) & PlanVisit.status.in_(OPEN)
    # windows closed since are left to the missed-visit watch
    replaced = is_open & (PlanVisit.window_end > now) & PlanVisit.kind.not_in(TASKS)
    await session.execute(delete(PlanVisit).where(replaced))
    # the day's open case tasks join the new routes when their shifts are planned again
    await session.execute(
        update(PlanVisit)
        .where(is_open, PlanVisit.kind.in_(TASKS))
        .values(status="unplanned", reason=AWAITING, officer_badge=None, seq=None, eta=None)
    )
    rows = [
        {
            "id": p.visit.id,
            "day": plan.day,
            "run_id": run.id,
            "grid_id": p.visit.grid_id,
            "shift": p.visit.shift,
            "point_id": p.visit.point_id,
            "lat": p.visit.lat,
            "lon": p.visit.lon,
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
            planned_visit(p.visit, p.seq, p.eta)
        )
    spans = {s.id: s.on(plan.day, requirements.zone) for s in requirements.shifts}
    await publish_tasks(
        session,
        [
            OfficerTasksAssigned(
                day=plan.day,
                shift=shift,
                badge=badge,
                grid_id=grid_id,
                version=run.id,
                length_m=plan.length_m.get(badge, 0),
                visits=sorted(visits, key=lambda v: v.seq),
                shift_start=spans[shift][0],
                shift_end=spans[shift][1],
            )
            for (badge, shift, grid_id), visits in sorted(tasks.items())
        ],
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


class VisitLike(Protocol):
    """A visit as planned (requirements.Visit) or as stored (models.PlanVisit)."""

    @property
    def id(self) -> str: ...
    @property
    def point_id(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def case_id(self) -> str | None: ...
    @property
    def window_start(self) -> datetime: ...
    @property
    def window_end(self) -> datetime: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...


def planned_visit(visit: VisitLike, seq: int, eta: datetime) -> PlannedVisit:
    return PlannedVisit(
        visit_id=visit.id,
        seq=seq,
        point_id=visit.point_id,
        kind=visit.kind,
        case_id=visit.case_id,
        window_start=visit.window_start,
        window_end=visit.window_end,
        eta=eta,
        lat=visit.lat,
        lon=visit.lon,
    )


async def publish_tasks(session: AsyncSession, tasks: Sequence[OfficerTasksAssigned]) -> None:
    """Officers' tasks of a shift (a later version replaces the earlier in the app)."""
    await outbox.add_all(session, [(t, f"{t.day.isoformat()}/{t.badge}") for t in tasks])


async def absences(session: AsyncSession, day: date) -> dict[tuple[str, str], datetime]:
    """From when each officer is off each shift of `day` (the earliest absence)."""
    return await repository.absences(session, day)


async def base_of(session: AsyncSession, officer: Officer) -> tuple[float, float]:
    """(lat, lon) where the officer's walks start and end: their grid's base."""
    return grid_base((await territory.grid(session, officer.grid_id)).geometry)


async def forgive_makeup(session: AsyncSession, missed_visit_id: str) -> None:
    """A missed visit made after all (a late check-in): no make-up is owed for it."""
    await repository.forgive_makeup(session, missed_visit_id)


async def visits_to_settle(
    session: AsyncSession, point_id: str, *, statuses: Sequence[str], now: datetime
) -> list[PlanVisit]:
    """The point's visits a check-in now may settle (locked), in window order."""
    return await repository.visits_of_point_near(session, point_id, statuses=statuses, now=now)


async def latest_run(session: AsyncSession, day: date) -> PlanRun:
    run = await repository.latest_run(session, day)
    if run is None:
        raise PlanNotFound(f"No plan has been made for {day}")
    return run


async def unplanned(session: AsyncSession, day: date, limit: int, scope: Scope) -> list[PlanVisit]:
    """The day's visits no route could take, of the grids the caller sees."""
    return await repository.unplanned(session, day, limit, scope.where(grid=PlanVisit.grid_id))


async def visit_statuses(session: AsyncSession, day: date, scope: Scope) -> dict[str, int]:
    return await repository.visit_statuses(session, day, scope.where(grid=PlanVisit.grid_id))


async def officer_tasks(
    session: AsyncSession, day: date, badge: str, scope: Scope
) -> tuple[Officer, list[tuple[PlanVisit, PatrolPoint | None]]]:
    """An officer's visits of the day in walking order, with the points (none for a case
    task): for the command centre and the officers of the same grid."""
    officer = await territory.officer(session, badge)
    if officer is None or not scope.sees(grid_id=officer.grid_id):
        raise OfficerNotFound(f"No officer {badge} in your grids")
    return officer, await repository.officer_day(session, day, badge)


AUTO_PLANNER = "patrol:daily-plan"


async def keep_ahead(runtime: PatrolRuntime, *, now: datetime) -> list[date]:
    """Make the plans nobody has made yet: today's (from now on) and, from the configured hour
    of the evening, tomorrow's, so the officers' apps have their tasks before the shift. The
    days it planned."""
    requirements = runtime.state.requirements
    today = requirements.local_day(now)
    days = [today]
    if now.astimezone(requirements.zone).hour >= int(runtime.settings.auto_plan_ahead_hour):
        days.append(today + timedelta(days=1))
    made = []
    for day in days:
        # one replica makes a day's plan; another finds it made (or being made) and skips
        async with exclusive(runtime.sessions, "patrol.auto-plan", day.toordinal()) as mine:
            if not mine:
                continue
            async with unit_of_work(runtime.sessions) as session:
                exists = await repository.has_plan(session, day)
            if exists:
                continue
            run = await generate(runtime, day, AUTO_PLANNER)
            log.info(
                "made the day's plan nobody had made",
                extra={
                    "day": day.isoformat(),
                    "visits": run.visits,
                    "planned": run.planned,
                    "seconds": run.seconds,
                },
            )
            made.append(day)
    return made


async def daily(runtime: PatrolRuntime) -> None:
    """Background loop: keep today's and tomorrow's plans made (ZG_PATROL_AUTO_PLAN)."""
    if not runtime.settings.auto_plan:
        return
    while True:
        await keep_ahead(runtime, now=datetime.now(UTC))
        await asyncio.sleep(60)
