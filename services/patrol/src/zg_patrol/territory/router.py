"""HTTP endpoints of the territory: zone types, grids, patrol points, routes, officers (JSON and
GeoJSON for maps), and the managers' edits of points, officers, absences and routes with their
change log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from zg_common.authz import require
from zg_common.changelog import ChangeRead
from zg_common.db import SessionDep
from zg_common.geojson import Feature, FeatureCollection, GeoJSONResponse
from zg_common.identity import Identity
from zg_patrol.dependencies import ObjectTypesDep, RequirementsDep
from zg_patrol.params import Badge, GridId, PointId, RouteId
from zg_patrol.territory import officers, service
from zg_patrol.territory.schemas import (
    AbsenceCreate,
    AbsenceRead,
    GridProperties,
    OfficerCreate,
    OfficerRead,
    OfficerUpdate,
    PatrolPointProperties,
    PointCreate,
    PointUpdate,
    Reasoned,
    RouteProperties,
    RouteUpdate,
    ZoneTypeId,
    ZoneTypeRead,
    grid_feature,
    point_feature,
    route_feature,
)

router = APIRouter(prefix="/api/v1", tags=["territory"])
Manager = Annotated[Identity, require("territory.manage")]


@router.get("/zone-types", response_model=list[ZoneTypeRead], summary="The four zone types")
async def read_zone_types(
    caller: Annotated[Identity, require("territory.read")], session: SessionDep
) -> list[ZoneTypeRead]:
    return [
        ZoneTypeRead.model_validate(z, from_attributes=True)
        for z in await service.zone_types(session)
    ]


@router.get(
    "/grids",
    response_model=FeatureCollection[GridProperties],
    response_class=GeoJSONResponse,
    summary="Grids as a GeoJSON FeatureCollection",
)
async def read_grids(
    caller: Annotated[Identity, require("territory.read")],
    session: SessionDep,
    zone_type: ZoneTypeId | None = None,
) -> FeatureCollection[GridProperties]:
    grids = await service.grids(session, zone_type=zone_type)
    return FeatureCollection[GridProperties](features=[grid_feature(g) for g in grids])


@router.get(
    "/grids/{grid_id}",
    response_model=Feature[GridProperties],
    response_class=GeoJSONResponse,
    summary="One grid as a GeoJSON Feature",
)
async def read_grid(
    caller: Annotated[Identity, require("territory.read")], grid_id: GridId, session: SessionDep
) -> Feature[GridProperties]:
    return grid_feature(await service.grid(session, grid_id))


@router.get(
    "/patrol-points",
    response_model=FeatureCollection[PatrolPointProperties],
    response_class=GeoJSONResponse,
    summary="Patrol points (GeoJSON, paged by cursor)",
)
async def read_points(
    caller: Annotated[Identity, require("territory.read")],
    session: SessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[
        str | None, Query(max_length=20, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> FeatureCollection[PatrolPointProperties]:
    points = await service.points(
        session, grid_id=grid_id, object_type=object_type, after=cursor, limit=limit
    )
    return FeatureCollection[PatrolPointProperties](
        features=[point_feature(p) for p in points],
        next_cursor=points[-1].id if len(points) == limit else None,
    )


@router.get(
    "/routes",
    response_model=FeatureCollection[RouteProperties],
    response_class=GeoJSONResponse,
    summary="Patrol routes (GeoJSON LineStrings)",
)
async def read_routes(
    caller: Annotated[Identity, require("territory.read")],
    session: SessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
) -> FeatureCollection[RouteProperties]:
    routes = await service.routes(session, grid_id=grid_id)
    return FeatureCollection[RouteProperties](features=[route_feature(r) for r in routes])


@router.get("/officers", response_model=list[OfficerRead], summary="Patrol officers (综管人员)")
async def read_officers(
    caller: Annotated[Identity, require("officers.read")],
    session: SessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    shift: Annotated[str | None, Query(pattern="^(day|evening|night)$")] = None,
) -> list[OfficerRead]:
    return [
        OfficerRead.model_validate(o, from_attributes=True)
        for o in await service.officers(session, grid_id=grid_id, shift=shift)
    ]


def _changes(body: Reasoned) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, exclude={"reason"})


@router.post(
    "/patrol-points",
    status_code=status.HTTP_201_CREATED,
    response_model=Feature[PatrolPointProperties],
    response_class=GeoJSONResponse,
    summary="Add a patrol point (inside its grid; the object type's work focus and standard "
    "unless given)",
)
async def create_point(
    caller: Manager, body: PointCreate, object_types: ObjectTypesDep, session: SessionDep
) -> Feature[PatrolPointProperties]:
    point = await service.create_point(
        session,
        _changes(body),
        object_types=object_types,
        reason=body.reason,
        caller=caller,
        now=datetime.now(UTC),
    )
    return point_feature(point)


@router.patch(
    "/patrol-points/{point_id}",
    response_model=Feature[PatrolPointProperties],
    response_class=GeoJSONResponse,
    summary="Change a patrol point (name, address, type, work focus, standard, place, grid)",
    description="Plans made from now on use the change; its code stays valid.",
)
async def update_point(
    caller: Manager,
    point_id: PointId,
    body: PointUpdate,
    object_types: ObjectTypesDep,
    session: SessionDep,
) -> Feature[PatrolPointProperties]:
    point = await service.update_point(
        session,
        point_id,
        _changes(body),
        object_types=object_types,
        reason=body.reason,
        caller=caller,
        now=datetime.now(UTC),
    )
    return point_feature(point)


@router.post(
    "/patrol-points/{point_id}/retire",
    response_model=Feature[PatrolPointProperties],
    response_class=GeoJSONResponse,
    summary="Stop patrolling a point: out of plans made from now on, its code refused, off its "
    "routes (kept for the record)",
)
async def retire_point(
    caller: Manager, point_id: PointId, body: Reasoned, session: SessionDep
) -> Feature[PatrolPointProperties]:
    point = await service.retire_point(
        session, point_id, reason=body.reason, caller=caller, now=datetime.now(UTC)
    )
    return point_feature(point)


@router.patch(
    "/routes/{route_id}",
    response_model=Feature[RouteProperties],
    response_class=GeoJSONResponse,
    summary="Change a route's points (in walking order; of its grid); its line and length follow",
)
async def update_route(
    caller: Manager, route_id: RouteId, body: RouteUpdate, session: SessionDep
) -> Feature[RouteProperties]:
    route = await service.update_route(
        session,
        route_id,
        body.point_ids,
        reason=body.reason,
        caller=caller,
        now=datetime.now(UTC),
    )
    return route_feature(route)


@router.post(
    "/officers",
    status_code=status.HTTP_201_CREATED,
    response_model=OfficerRead,
    summary="Add an officer (badge, grid, shift, certificate); in plans made from now on",
)
async def create_officer(
    caller: Manager, body: OfficerCreate, requirements: RequirementsDep, session: SessionDep
) -> OfficerRead:
    officer = await officers.create_officer(
        session,
        _changes(body),
        requirements=requirements,
        reason=body.reason,
        caller=caller,
        now=datetime.now(UTC),
    )
    return OfficerRead.model_validate(officer, from_attributes=True)


@router.patch(
    "/officers/{badge}",
    response_model=OfficerRead,
    summary="Change an officer's grid, shift, name or certificate (plans made from now on)",
)
async def update_officer(
    caller: Manager,
    badge: Badge,
    body: OfficerUpdate,
    requirements: RequirementsDep,
    session: SessionDep,
) -> OfficerRead:
    officer = await officers.update_officer(
        session,
        badge,
        _changes(body),
        requirements=requirements,
        reason=body.reason,
        caller=caller,
        now=datetime.now(UTC),
    )
    return OfficerRead.model_validate(officer, from_attributes=True)


@router.post(
    "/officers/{badge}/retire",
    response_model=OfficerRead,
    summary="An officer leaves the service: out of plans made from now on (kept for the record)",
)
async def retire_officer(
    caller: Manager, badge: Badge, body: Reasoned, session: SessionDep
) -> OfficerRead:
    officer = await officers.retire_officer(
        session, badge, reason=body.reason, caller=caller, now=datetime.now(UTC)
    )
    return OfficerRead.model_validate(officer, from_attributes=True)


@router.get(
    "/officers/{badge}/absences",
    response_model=list[AbsenceRead],
    summary="An officer's absences (planned leave, drop-outs) from a day on",
)
async def read_absences(
    caller: Annotated[Identity, require("territory.changes")],
    badge: Badge,
    requirements: RequirementsDep,
    session: SessionDep,
    since: Annotated[date | None, Query(description="from this day; today by default")] = None,
) -> list[AbsenceRead]:
    today = requirements.local_day(datetime.now(UTC))
    absences = await officers.absences_of(session, badge, since or today)
    return [AbsenceRead.model_validate(a, from_attributes=True) for a in absences]


@router.post(
    "/officers/{badge}/absences",
    status_code=status.HTTP_201_CREATED,
    response_model=AbsenceRead,
    summary="Plan an officer's absence from their shift of a day (from the start or a time)",
    description="Plans made after it leave the officer out from then; to re-plan a running "
    "shift, use the drop-out.",
)
async def add_absence(
    caller: Manager,
    badge: Badge,
    body: AbsenceCreate,
    requirements: RequirementsDep,
    session: SessionDep,
) -> AbsenceRead:
    absence = await officers.add_absence(
        session,
        badge,
        day=body.day,
        from_time=body.from_time,
        reason=body.reason,
        requirements=requirements,
        caller=caller,
        now=datetime.now(UTC),
    )
    return AbsenceRead.model_validate(absence, from_attributes=True)


@router.delete(
    "/officers/{badge}/absences/{absence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Call off an absence that has not begun",
)
async def cancel_absence(
    caller: Manager,
    badge: Badge,
    absence_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
) -> Response:
    await officers.cancel_absence(session, badge, absence_id, caller=caller, now=datetime.now(UTC))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/patrol/territory-changes",
    response_model=list[ChangeRead],
    summary="The change log of a point, an officer or a route: who changed what, how and why",
)
async def read_territory_changes(
    caller: Annotated[Identity, require("territory.changes")],
    session: SessionDep,
    subject: Annotated[
        str,
        Query(pattern=r"^(point/P\d{4,6}|officer/[A-Z]{2}\d{3,6}|route/R\d{2,4})$"),
    ],
) -> list[ChangeRead]:
    return [
        ChangeRead.model_validate(c, from_attributes=True)
        for c in await service.changes_of(session, subject)
    ]
