"""HTTP endpoints of residents' supervision: what a scanned code shows, rating a point."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.identity import Identity
from zg_patrol.checkin.qr import PointCodes
from zg_patrol.dependencies import PointCodesDep, RequirementsDep
from zg_patrol.models import PatrolPoint
from zg_patrol.params import PointId
from zg_patrol.requirements import Requirements
from zg_patrol.supervision import service as supervision
from zg_patrol.supervision.schemas import PointRatingCreate, PointRatingRead, PointRatingSummary
from zg_patrol.territory.schemas import PointCard

router = APIRouter(prefix="/api/v1", tags=["patrol check-in"])


@router.get(
    "/patrol/points/by-code/{token}",
    response_model=PointCard,
    tags=["patrol check-in"],
    summary="What a scanned code shows anyone (a resident's supervision): the point, its work "
    "focus and standard",
    description="A forged or revoked code (the point's code was reissued) is 422 "
    "`point_code_refused` with the reason. A card past its validity still names its point "
    "here (the validity guards officers' check-ins).",
)
async def read_point_by_code(
    caller: Annotated[Identity, require("territory.read")],
    token: Annotated[str, Path(max_length=200)],
    requirements: RequirementsDep,
    codes: PointCodesDep,
    session: SessionDep,
) -> PointCard:
    point = await _point_of_code(session, token, requirements, codes)
    return PointCard.model_validate(point, from_attributes=True)


async def _point_of_code(
    session: AsyncSession, token: str, requirements: Requirements, codes: PointCodes
) -> PatrolPoint:
    return await supervision.point_of_code(
        session, token, codes, today=requirements.local_day(datetime.now(UTC))
    )


@router.post(
    "/patrol/points/by-code/{token}/ratings",
    status_code=status.HTTP_201_CREATED,
    response_model=PointRatingRead,
    tags=["patrol check-in"],
    summary="A resident rates a point after scanning its code (once a day; a second rating "
    "that day replaces the first)",
    description="To report a problem at the point instead, `POST /api/v1/cases` with the "
    "card's code as `point_code` (intake). A forged or revoked code is 422 "
    "`point_code_refused`.",
)
async def rate_point(
    caller: Annotated[Identity, require("patrol.rate_point")],
    token: Annotated[str, Path(max_length=200)],
    body: PointRatingCreate,
    requirements: RequirementsDep,
    codes: PointCodesDep,
    session: SessionDep,
) -> PointRatingRead:
    point = await _point_of_code(session, token, requirements, codes)
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
    today = requirements.local_day(datetime.now(UTC))
    found = await supervision.summary(session, point_id, today=today, days=days)
    return PointRatingSummary(
        point_id=point_id,
        days=days,
        count=found.count,
        average=found.average,
        by_score={str(k): v for k, v in found.by_score.items()},
    )
