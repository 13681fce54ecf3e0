"""HTTP endpoints of patrol: the territory, read as JSON and GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import require
from zg_common.db import request_session
from zg_common.geojson import Feature, FeatureCollection, GeoJSONResponse, Geometry
from zg_common.identity import Identity
from zg_patrol import repository
from zg_patrol.exceptions import GridNotFound
from zg_patrol.models import Grid
from zg_patrol.schemas import (
    GridProperties,
    OfficerRead,
    PatrolPointProperties,
    RouteProperties,
    ZoneTypeId,
    ZoneTypeRead,
)

router = APIRouter(prefix="/api/v1", tags=["territory"])
Session = Annotated[AsyncSession, Depends(request_session, scope="function")]
GridId = Annotated[str, Path(pattern=r"^G\d{2,3}$")]


def _grid_feature(g: Grid) -> Feature[GridProperties]:
    return Feature[GridProperties](
        id=g.id,
        geometry=Geometry.model_validate(g.geometry),
        properties=GridProperties.model_validate(g, from_attributes=True),
    )


@router.get("/zone-types", response_model=list[ZoneTypeRead], summary="The four zone types")
async def read_zone_types(
    caller: Annotated[Identity, require("territory.read")], session: Session
) -> list[ZoneTypeRead]:
    return [
        ZoneTypeRead.model_validate(z, from_attributes=True)
        for z in await repository.list_zone_types(session)
    ]


@router.get(
    "/grids",
    response_model=FeatureCollection[GridProperties],
    response_class=GeoJSONResponse,
    summary="Grids as a GeoJSON FeatureCollection",
)
async def read_grids(
    caller: Annotated[Identity, require("territory.read")],
    session: Session,
    zone_type: ZoneTypeId | None = None,
) -> FeatureCollection[GridProperties]:
    grids = await repository.list_grids(session, zone_type=zone_type)
    return FeatureCollection[GridProperties](features=[_grid_feature(g) for g in grids])


@router.get(
    "/grids/{grid_id}",
    response_model=Feature[GridProperties],
    response_class=GeoJSONResponse,
    summary="One grid as a GeoJSON Feature",
)
async def read_grid(
    caller: Annotated[Identity, require("territory.read")], grid_id: GridId, session: Session
) -> Feature[GridProperties]:
    grid = await repository.get_grid(session, grid_id)
    if grid is None:
        raise GridNotFound(f"No grid {grid_id}")
    return _grid_feature(grid)


@router.get(
    "/patrol-points",
    response_model=FeatureCollection[PatrolPointProperties],
    response_class=GeoJSONResponse,
    summary="Patrol points (GeoJSON, paged by cursor)",
)
async def read_points(
    caller: Annotated[Identity, require("territory.read")],
    session: Session,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[
        str | None, Query(max_length=20, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> FeatureCollection[PatrolPointProperties]:
    points = await repository.list_points(
        session, grid_id=grid_id, object_type=object_type, after=cursor, limit=limit
    )
    return FeatureCollection[PatrolPointProperties](
        features=[
            Feature[PatrolPointProperties](
                id=p.id,
                geometry=Geometry(type="Point", coordinates=[p.lon, p.lat]),
                properties=PatrolPointProperties.model_validate(p, from_attributes=True),
            )
            for p in points
        ],
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
    session: Session,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
) -> FeatureCollection[RouteProperties]:
    routes = await repository.list_routes(session, grid_id=grid_id)
    return FeatureCollection[RouteProperties](
        features=[
            Feature[RouteProperties](
                id=r.id,
                geometry=Geometry.model_validate(r.geometry),
                properties=RouteProperties.model_validate(r, from_attributes=True),
            )
            for r in routes
        ]
    )


@router.get("/officers", response_model=list[OfficerRead], summary="Patrol officers (综管人员)")
async def read_officers(
    caller: Annotated[Identity, require("officers.read")],
    session: Session,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    shift: Annotated[str | None, Query(pattern="^(day|evening|night)$")] = None,
) -> list[OfficerRead]:
    return [
        OfficerRead.model_validate(o, from_attributes=True)
        for o in await repository.list_officers(session, grid_id=grid_id, shift=shift)
    ]
