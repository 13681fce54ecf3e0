"""HTTP endpoints of patrol: the daily plans, check-in, positions, QR sheets and supervision
(the territory's are in territory_api)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope, require
from zg_common.db import SessionDep, unit_of_work
from zg_common.errors import FieldError, ValidationFailed
from zg_common.geojson import Feature, FeatureCollection, GeoJSONResponse, Geometry
from zg_common.identity import Identity
from zg_patrol import (
    checkin,
    plans,
    positions,
    qr,
    replan,
    repository,
    sheets,
    supervision,
)
from zg_patrol.dependencies import QrSecretDep, RequirementsDep, RuntimeDep
from zg_patrol.exceptions import (
    GridNotFound,
    OfficerNotFound,
    PointNotFound,
    RouteNotFound,
    TrackNotFound,
)
from zg_patrol.models import Grid, Officer, PatrolPoint, PlanRun, Route
from zg_patrol.params import Badge, PointId
from zg_patrol.requirements import Requirements
from zg_patrol.schemas import (
    CheckinCreate,
    CheckinRead,
    DropOut,
    DropOutRead,
    OfficerOnMap,
    OfficerPlanRead,
    PlannedRouteProperties,
    PlanRead,
    PointCard,
    PointCodeRead,
    PointRatingCreate,
    PointRatingRead,
    PointRatingSummary,
    PositionRead,
    PositionsReport,
    TaskRead,
    TrackProperties,
    UnplannedVisit,
)
from zg_patrol.territory import grid_base

router = APIRouter(prefix="/api/v1", tags=["patrol plans"])


# what an officer does at a case task's place (the case's own report says what to look at)
TASK_FOCUS = {
    "verify": "核实: confirm on site that the reported problem exists, or refute it",
    "check": "核查: check on site that the department fixed the problem, pass or fail it",
}

PlanDay = Annotated[date, Path(description="the plan's day (shifts that start on it), local")]


@router.post(
    "/patrol/plans/{day}",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanRead,
    tags=["patrol plans"],
    summary="Make the day's patrol plan (today up to 14 days ahead): every required visit "
    "given to an officer on shift and ordered into a walking route, or named as unplannable",
    description="Runs the route solver within the configured budget (ZG_PATROL_PLAN_TIME_LIMIT_S"
    ", 7 s by default) and publishes each officer's tasks. Visits already done are kept; the "
    "open visits of an earlier run for the day are replaced.",
)
async def make_plan(
    caller: Annotated[Identity, require("patrol.plan")], day: PlanDay, runtime: RuntimeDep
) -> PlanRead:
    run = await plans.generate(runtime, day, caller.sub)
    async with unit_of_work(runtime.sessions) as session:
        return await _plan_read(session, run, Scope.of(caller))


async def _plan_read(
    session: AsyncSession, run: PlanRun, scope: Scope, limit: int = 200
) -> PlanRead:
    left = await plans.unplanned(session, run.day, limit, scope)
    return PlanRead(
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
    grid = await session.get(Grid, officer.grid_id)
    assert grid is not None
    base_lat, base_lon = grid_base(grid.geometry)
    features: list[Feature[PlannedRouteProperties]] = []
    for shift in dict.fromkeys(v.shift for v, _ in rows):
        stops = [v for v, _ in rows if v.shift == shift and v.seq is not None]
        line = [[base_lon, base_lat], *([v.lon, v.lat] for v in stops), [base_lon, base_lat]]
        features.append(
            Feature[PlannedRouteProperties](
                id=f"{badge}/{day.isoformat()}/{shift}",
                geometry=Geometry(type="LineString", coordinates=line),
                properties=PlannedRouteProperties(
                    feature="walk", badge=badge, shift=shift, visits=len(stops)
                ),
            )
        )
        features += [
            Feature[PlannedRouteProperties](
                id=v.id,
                geometry=Geometry(type="Point", coordinates=[v.lon, v.lat]),
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


@router.post(
    "/patrol/checkins",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckinRead,
    tags=["patrol check-in"],
    summary="Check in at a patrol point: scan its code where it is, with the phone's fix",
    description="The code's signature and age, the fix (not mocked, accurate enough, within "
    "the radius of the point) and the visit's window are checked. A refusal is 422 "
    "`checkin_refused` naming the reason (malformed, bad_signature, expired, unknown_point, "
    "no_badge, mock_location, inaccurate_fix, too_far) and is recorded and counted.",
)
async def check_in(
    caller: Annotated[Identity, require("patrol.checkin")], body: CheckinCreate, runtime: RuntimeDep
) -> CheckinRead:
    secret = checkin.secret_of(runtime.settings)
    scan = checkin.Scan(body.token, body.lat, body.lon, body.accuracy_m, body.mock_location)
    async with unit_of_work(runtime.sessions) as session:  # committed, refused scans too
        outcome = await checkin.check_in(
            session,
            scan,
            caller=caller,
            now=datetime.now(UTC),
            requirements=runtime.state.requirements,
            secret=secret,
        )
    if outcome.outcome == "refused" or outcome.point is None or outcome.distance_m is None:
        raise checkin.refusal(outcome)
    return CheckinRead(
        outcome=outcome.outcome,
        visit_id=outcome.visit.id if outcome.visit else None,
        window_start=outcome.visit.window_start if outcome.visit else None,
        window_end=outcome.visit.window_end if outcome.visit else None,
        distance_m=round(outcome.distance_m, 1),
        point=PointCard.model_validate(outcome.point, from_attributes=True),
    )


@router.get(
    "/patrol/checkins/refusals",
    response_model=dict[str, int],
    tags=["patrol check-in"],
    summary="Refused check-ins since a moment, counted by reason",
)
async def count_refusals(
    caller: Annotated[Identity, require("patrol.plan_read")],
    session: SessionDep,
    since: Annotated[datetime, Query(description="ISO 8601 with offset")],
) -> dict[str, int]:
    if since.tzinfo is None:
        raise ValidationFailed(
            "since needs a UTC offset",
            errors=[FieldError(field="since", code="naive_datetime", message="add an offset")],
        )
    return await checkin.refusals(session, since)


@router.get(
    "/patrol/points/{point_id}/code",
    response_model=PointCodeRead,
    tags=["patrol check-in"],
    summary="Issue a point's code (the token its QR carries), valid from today",
)
async def issue_code(
    caller: Annotated[Identity, require("patrol.plan")],
    point_id: PointId,
    runtime: RuntimeDep,
    session: SessionDep,
) -> PointCodeRead:
    requirements = runtime.state.requirements
    point = await session.get(PatrolPoint, point_id)
    if point is None or point.retired_at is not None:
        raise PointNotFound(f"No patrol point {point_id}")
    today = requirements.local_day(datetime.now(UTC))
    return PointCodeRead(
        point_id=point_id,
        token=qr.issue(point_id, today, checkin.secret_of(runtime.settings)),
        issued=today,
        valid_until=today + timedelta(days=requirements.checkin.token_valid_days),
    )


@router.get(
    "/patrol/points/by-code/{token}",
    response_model=PointCard,
    tags=["patrol check-in"],
    summary="What a scanned code shows anyone (a resident's supervision): the point, its work "
    "focus and standard",
    description="A forged or expired code is 422 `point_code_refused` with the reason.",
)
async def read_point_by_code(
    caller: Annotated[Identity, require("territory.read")],
    token: Annotated[str, Path(max_length=200)],
    requirements: RequirementsDep,
    secret: QrSecretDep,
    session: SessionDep,
) -> PointCard:
    point = await _point_of_code(session, token, requirements, secret)
    return PointCard.model_validate(point, from_attributes=True)


@router.post(
    "/patrol/positions",
    status_code=status.HTTP_201_CREATED,
    response_model=PositionRead,
    tags=["patrol positions"],
    summary="Report one's positions during a shift (up to 100 fixes at once)",
    description="All fixes are stored or none: one from the future (beyond 2 minutes of clock "
    "skew), older than 12 hours or mocked is 422 `validation_failed` naming it. The latest "
    "position is published for the live map (`patrol.officer.position_reported.v1`).",
)
async def report_positions(
    caller: Annotated[Identity, require("patrol.position")],
    body: PositionsReport,
    runtime: RuntimeDep,
) -> PositionRead:
    fixes = [positions.Fix(f.at, f.lat, f.lon, f.accuracy_m, f.mock_location) for f in body.fixes]
    async with unit_of_work(runtime.sessions) as session:
        latest = await positions.report(session, fixes, caller=caller, now=datetime.now(UTC))
        return PositionRead.model_validate(latest, from_attributes=True)


@router.get(
    "/patrol/positions",
    response_model=FeatureCollection[OfficerOnMap],
    response_class=GeoJSONResponse,
    tags=["patrol positions"],
    summary="The live map: each officer's latest position (GeoJSON points)",
    description="Officers heard from within `max_age_min`; an officer sees those of their "
    "grids, the command centre all.",
)
async def read_positions(
    caller: Annotated[Identity, require("patrol.live")],
    session: SessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    max_age_min: Annotated[int, Query(ge=1, le=24 * 60)] = 60,
) -> FeatureCollection[OfficerOnMap]:
    now = datetime.now(UTC)
    grids = Scope.of(caller).grids()
    if grid_id is not None:
        grids = frozenset({grid_id} if grids is None or grid_id in grids else ())
    rows = await positions.live(session, grid_ids=grids, since=now - timedelta(minutes=max_age_min))
    return FeatureCollection[OfficerOnMap](
        features=[
            Feature[OfficerOnMap](
                id=o.badge,
                geometry=Geometry(type="Point", coordinates=[p.lon, p.lat]),
                properties=OfficerOnMap(
                    badge=o.badge,
                    name=o.name,
                    grid_id=o.grid_id,
                    shift=o.shift,
                    at=p.at,
                    accuracy_m=p.accuracy_m,
                    age_s=max(int((now - p.at).total_seconds()), 0),
                    stale=now - p.at > positions.STALE_AFTER,
                ),
            )
            for o, p in rows
        ]
    )


@router.get(
    "/patrol/officers/{badge}/track",
    response_model=Feature[TrackProperties],
    response_class=GeoJSONResponse,
    tags=["patrol positions"],
    summary="An officer's track of a day (a GeoJSON LineString; a Point for a single fix)",
    description="For the command centre, and for the officers of the officer's grid.",
)
async def read_track(
    caller: Annotated[Identity, require("patrol.live")],
    badge: Badge,
    day: Annotated[date, Query(description="local day")],
    requirements: RequirementsDep,
    session: SessionDep,
) -> Feature[TrackProperties]:
    officer = await session.get(Officer, badge)
    if officer is None or not Scope.of(caller).sees(grid_id=officer.grid_id):
        raise OfficerNotFound(f"No officer {badge} in your grids")
    fixes = await positions.track(session, badge, day, requirements)
    if not fixes:
        raise TrackNotFound(f"No positions of {badge} on {day}")
    line = [[f.lon, f.lat] for f in fixes]
    return Feature[TrackProperties](
        id=f"{badge}/{day.isoformat()}",
        geometry=Geometry(type="LineString", coordinates=line)
        if len(line) > 1
        else Geometry(type="Point", coordinates=line[0]),
        properties=TrackProperties(
            badge=badge,
            day=day,
            fixes=len(fixes),
            first_at=fixes[0].at,
            last_at=fixes[-1].at,
            length_m=positions.length_m(fixes),
        ),
    )


async def _point_of_code(
    session: AsyncSession, token: str, requirements: Requirements, secret: bytes
) -> PatrolPoint:
    return await supervision.point_of_code(
        session,
        token,
        secret,
        today=requirements.local_day(datetime.now(UTC)),
        valid_days=requirements.checkin.token_valid_days,
    )


@router.post(
    "/patrol/points/by-code/{token}/ratings",
    status_code=status.HTTP_201_CREATED,
    response_model=PointRatingRead,
    tags=["patrol check-in"],
    summary="A resident rates a point after scanning its code (once a day; a second rating "
    "that day replaces the first)",
    description="To report a problem at the point instead, `POST /api/v1/cases` with the "
    "card's `lat`/`lon` (intake). A forged or expired code is 422 `point_code_refused`.",
)
async def rate_point(
    caller: Annotated[Identity, require("patrol.rate_point")],
    token: Annotated[str, Path(max_length=200)],
    body: PointRatingCreate,
    requirements: RequirementsDep,
    secret: QrSecretDep,
    session: SessionDep,
) -> PointRatingRead:
    point = await _point_of_code(session, token, requirements, secret)
    now = datetime.now(UTC)
    rating, replaced = await supervision.rate(
        session,
        point,
        score=body.score,
        comment=body.comment,
        caller=caller,
        today=requirements.local_day(now),
        now=now,
    )
    return PointRatingRead(
        point_id=point.id,
        score=rating.score,
        comment=rating.comment,
        day=rating.day,
        replaced=replaced,
    )


@router.get(
    "/patrol/points/{point_id}/ratings",
    response_model=PointRatingSummary,
    tags=["territory"],
    summary="How residents rated a point over the last days (counts and average; public)",
)
async def read_point_ratings(
    caller: Annotated[Identity, require("territory.read")],
    point_id: PointId,
    requirements: RequirementsDep,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> PointRatingSummary:
    point = await session.get(PatrolPoint, point_id)
    if point is None or point.retired_at is not None:
        raise PointNotFound(f"No patrol point {point_id}")
    today = requirements.local_day(datetime.now(UTC))
    found = await supervision.summary(session, point_id, today=today, days=days)
    return PointRatingSummary(
        point_id=point_id,
        days=days,
        count=found.count,
        average=found.average,
        by_score={str(k): v for k, v in found.by_score.items()},
    )


SHEET_TYPES = {"pdf": "application/pdf", "png": "image/png"}


@router.get(
    "/patrol/qr-sheets",
    tags=["patrol check-in"],
    summary="Printable QR codes of a grid's or a route's points: A4 pages, six cards a page",
    description="One of `grid_id` or `route_id`. `format=pdf` (all pages) or `png` (the page "
    "`page`; `X-Page-Count` says how many). The codes are issued today and valid for the "
    "token lifetime of the requirements (400 days by default).",
    response_class=Response,
    responses={200: {"content": {t: {} for t in SHEET_TYPES.values()}}},
)
async def read_qr_sheet(
    caller: Annotated[Identity, require("patrol.plan")],
    runtime: RuntimeDep,
    session: SessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    route_id: Annotated[str | None, Query(pattern=r"^R\d{2,4}$")] = None,
    kind: Annotated[str, Query(alias="format", pattern="^(pdf|png)$")] = "pdf",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    if (grid_id is None) == (route_id is None):
        message = "give either grid_id or route_id"
        raise ValidationFailed(
            message, errors=[FieldError(field="grid_id", code="one_of", message=message)]
        )
    requirements = runtime.state.requirements
    if grid_id is not None:
        grid = await repository.get_grid(session, grid_id)
        if grid is None:
            raise GridNotFound(f"No grid {grid_id}")
        title = f"{grid.name} {grid.id} · 巡查点二维码 patrol point codes"
        points = await repository.list_points(
            session, grid_id=grid_id, object_type=None, after=None, limit=100_000
        )
    else:
        route = await session.get(Route, route_id)
        if route is None:
            raise RouteNotFound(f"No route {route_id}")
        title = f"{route.name} {route.id} · 巡查点二维码 patrol point codes"
        by_id = {p.id: p for p in await repository.points_by_id(session, route.point_ids)}
        points = [by_id[i] for i in route.point_ids if i in by_id]
    today = requirements.local_day(datetime.now(UTC))
    secret = checkin.secret_of(runtime.settings)
    cards = [
        sheets.Card(p.id, p.code, p.name, p.address, p.object_type, qr.issue(p.id, today, secret))
        for p in points
    ]
    valid_until = today + timedelta(days=requirements.checkin.token_valid_days)
    count = sheets.pages(len(cards))
    name = f"qr-{grid_id or route_id}"
    if kind == "pdf":
        body = await asyncio.to_thread(sheets.pdf, title, cards, valid_until=valid_until)
    else:
        if page > count:
            message = f"the sheet has {count} pages"
            raise ValidationFailed(
                message, errors=[FieldError(field="page", code="out_of_range", message=message)]
            )
        body = await asyncio.to_thread(sheets.png, title, cards, page=page, valid_until=valid_until)
        name += f"-{page}"
    return Response(
        body,
        media_type=SHEET_TYPES[kind],
        headers={
            "Content-Disposition": f'inline; filename="{name}.{kind}"',
            "X-Page-Count": str(count),
            "Cache-Control": "no-store",
        },
    )
