"""HTTP endpoints of the daily plans: make one, read it, an officer's tasks and walk, a drop-out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope, require
from zg_common.db import SessionDep
from zg_common.geojson import Feature, FeatureCollection, GeoJSONResponse, point
from zg_common.geojson import line as line_
from zg_common.identity import Identity
from zg_common.jobs import JobRead
from zg_patrol.dependencies import JobsDep, RequirementsDep, RuntimeDep
from zg_patrol.models import PlanRun
from zg_patrol.params import Badge
from zg_patrol.plans import replan
from zg_patrol.plans import service as plans
from zg_patrol.plans.jobs import PLAN
from zg_patrol.plans.schemas import (
    DropOut,
    DropOutRead,
    OfficerPlanRead,
    PlannedRouteProperties,
    PlanRead,
    TaskRead,
    UnplannedVisit,
)

router = APIRouter(prefix="/api/v1", tags=["patrol plans"])


# what an officer does at a case task's place (the case's own report says what to look at)
TASK_FOCUS = {
    "verify": "核实: confirm on site that the reported problem exists, or refute it",
    "check": "核查: check on site that the department fixed the problem, pass or fail it",
}

PlanDay = Annotated[date, Path(description="the plan's day (shifts that start on it), local")]


@router.post(
    "/patrol/plans/{day}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRead,
    tags=["patrol plans"],
    summary="Make the day's patrol plan (today up to 14 days ahead), as a job: answered at once "
    "with the job (Location), which makes every required visit an officer's, in walking order, "
    "or names why it cannot be",
    description="The route solver runs within the configured budget (ZG_PATROL_PLAN_TIME_LIMIT_S"
    ", 7 s by default) in a worker of the service; read the job at its Location until it is "
    "`done` (its `result` names the plan: GET it) or `failed` (its `error`). The plan publishes "
    "each officer's tasks. Visits already done are kept; the open visits of an earlier run for "
    "the day are replaced.",
)
async def make_plan(
    caller: Annotated[Identity, require("patrol.plan")],
    day: PlanDay,
    requirements: RequirementsDep,
    jobs: JobsDep,
    session: SessionDep,
    response: Response,
) -> JobRead:
    plans.check_day(day, requirements, datetime.now(UTC))
    job = await jobs.submit(session, PLAN, {"day": day.isoformat(), "by": caller.sub}, caller)
    response.headers["Location"] = f"/api/v1/patrol/jobs/{job.id}"
    return job


@router.get(
    "/patrol/jobs/{job_id}",
    response_model=JobRead,
    tags=["patrol plans"],
    summary="A day's plan being made (whoever may make plans): queued, running, done with the "
    "plan it made, or failed with why",
)
async def read_job(
    caller: Annotated[Identity, require("patrol.plan")],
    job_id: uuid.UUID,
    jobs: JobsDep,
    session: SessionDep,
) -> JobRead:
    return await jobs.read(session, job_id)


async def _plan_read(
    session: AsyncSession, run: PlanRun, scope: Scope, limit: int = 200
) -> PlanRead:
    left = await plans.unplanned(session, run.day, limit, scope)
    return PlanRead(
        by_status=await plans.visit_statuses(session, run.day, scope),
        day=run.day,
        version=run.id,
        generated_at=run.generated_at,
        seconds=run.seconds,
        visits=run.visits,
        planned=run.planned,
        length_m=run.length_m,
        unplanned_by_reason=run.unplanned_by_reason,
        unplanned=[UnplannedVisit.model_validate(v, from_attributes=True) for v in left],
    )


@router.get(
    "/patrol/plans/{day}",
    response_model=PlanRead,
    tags=["patrol plans"],
    summary="The day's plan: its numbers and the visits it could not plan, with why",
)
async def read_plan(
    caller: Annotated[Identity, require("patrol.plan_read")],
    day: PlanDay,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> PlanRead:
    run = await plans.latest_run(session, day)
    return await _plan_read(session, run, Scope.of(caller), limit)


@router.get(
    "/patrol/plans/{day}/officers/{badge}",
    response_model=OfficerPlanRead,
    tags=["patrol plans"],
    summary="An officer's tasks of the day in walking order, with each point's work focus and "
    "standard",
    description="For the command centre, and for the officers of the officer's grid.",
)
async def read_officer_plan(
    caller: Annotated[Identity, require("patrol.plan_read")],
    day: PlanDay,
    badge: Badge,
    session: SessionDep,
) -> OfficerPlanRead:
    officer, rows = await plans.officer_tasks(session, day, badge, Scope.of(caller))
    return OfficerPlanRead(
        day=day,
        badge=officer.badge,
        name=officer.name,
        grid_id=officer.grid_id,
        tasks=[
            TaskRead(
                visit_id=v.id,
                seq=v.seq,
                shift=v.shift,
                kind=v.kind,
                case_id=v.case_id,
                point_id=v.point_id,
                point_code=p.code if p else None,
                point_name=p.name if p else None,
                address=p.address if p else None,
                lat=v.lat,
                lon=v.lon,
                work_focus=p.work_focus if p else TASK_FOCUS.get(v.kind, ""),
                standard=p.standard if p else "",
                window_start=v.window_start,
                window_end=v.window_end,
                eta=v.eta,
                status=v.status,
            )
            for v, p in rows
        ],
    )


@router.get(
    "/patrol/plans/{day}/officers/{badge}/route",
    response_model=FeatureCollection[PlannedRouteProperties],
    response_class=GeoJSONResponse,
    tags=["patrol plans"],
    summary="An officer's planned walk of the day for a map: a line per shift (from the grid's "
    "base through the visits in order and back) and a point per visit",
    description="For the command centre, and for the officers of the officer's grid.",
)
async def read_officer_route(
    caller: Annotated[Identity, require("patrol.plan_read")],
    day: PlanDay,
    badge: Badge,
    session: SessionDep,
) -> FeatureCollection[PlannedRouteProperties]:
    officer, rows = await plans.officer_tasks(session, day, badge, Scope.of(caller))
    base_lat, base_lon = await plans.base_of(session, officer)
    features: list[Feature[PlannedRouteProperties]] = []
    for shift in dict.fromkeys(v.shift for v, _ in rows):
        stops = [v for v, _ in rows if v.shift == shift and v.seq is not None]
        line = [[base_lon, base_lat], *([v.lon, v.lat] for v in stops), [base_lon, base_lat]]
        features.append(
            Feature[PlannedRouteProperties](
                id=f"{badge}/{day.isoformat()}/{shift}",
                geometry=line_(line),
                properties=PlannedRouteProperties(
                    feature="walk", badge=badge, shift=shift, visits=len(stops)
                ),
            )
        )
        features += [
            Feature[PlannedRouteProperties](
                id=v.id,
                geometry=point(v.lon, v.lat),
                properties=PlannedRouteProperties(
                    feature="visit",
                    badge=badge,
                    shift=shift,
                    visit_id=v.id,
                    seq=v.seq,
                    kind=v.kind,
                    point_id=v.point_id,
                    case_id=v.case_id,
                    window_start=v.window_start,
                    window_end=v.window_end,
                    eta=v.eta,
                    status=v.status,
                ),
            )
            for v in stops
        ]
    return FeatureCollection[PlannedRouteProperties](features=features)


@router.post(
    "/patrol/plans/{day}/officers/{badge}/drop-out",
    response_model=DropOutRead,
    tags=["patrol plans"],
    summary="An officer leaves mid-shift: the rest of the shift in their grid is planned again "
    "for the colleagues still on it, from where they are; visits already done do not move",
)
async def drop_out(
    caller: Annotated[Identity, require("patrol.plan")],
    day: PlanDay,
    badge: Badge,
    body: DropOut,
    runtime: RuntimeDep,
) -> DropOutRead:
    run, moved = await replan.drop_out(
        runtime,
        day=day,
        badge=badge,
        reason=body.reason,
        caller=caller,
        now=datetime.now(UTC),
        time_limit_s=float(runtime.settings.replan_time_limit_s),
    )
    return DropOutRead(
        version=run.id,
        moved=len(moved),
        planned=sum(v.status == "planned" for v in moved),
        unplanned=sum(v.status == "unplanned" for v in moved),
    )
