"""HTTP endpoints of officers' positions: report them, the live map, a day's track."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from zg_common.authz import Scope, require
from zg_common.db import SessionDep
from zg_common.geojson import Feature, FeatureCollection, GeoJSONResponse, point
from zg_common.geojson import line as line_
from zg_common.identity import Identity
from zg_patrol.dependencies import RequirementsDep
from zg_patrol.params import Badge
from zg_patrol.positions import service as positions
from zg_patrol.positions.schemas import OfficerOnMap, PositionRead, PositionsReport, TrackProperties

router = APIRouter(prefix="/api/v1", tags=["patrol positions"])


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
    session: SessionDep,
) -> PositionRead:
    fixes = [positions.Fix(f.at, f.lat, f.lon, f.accuracy_m, f.mock_location) for f in body.fixes]
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
                geometry=point(p.lon, p.lat),
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
    fixes = await positions.visible_track(
        session, badge, day, scope=Scope.of(caller), requirements=requirements
    )
    line = [[f.lon, f.lat] for f in fixes]
    return Feature[TrackProperties](
        id=f"{badge}/{day.isoformat()}",
        geometry=line_(line),
        properties=TrackProperties(
            badge=badge,
            day=day,
            fixes=len(fixes),
            first_at=fixes[0].at,
            last_at=fixes[-1].at,
            length_m=positions.length_m(fixes),
        ),
    )
