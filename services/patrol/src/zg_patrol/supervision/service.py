"""A resident's scan of a point's code (supervision, 监督): the card shows the point's work
focus and standard, the resident may rate how the point is kept (once a day; published for
scoring) or report a problem there through intake with the card's place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.patrol import PointRated
from zg_common.errors import FieldError
from zg_common.identity import Identity
from zg_patrol.checkin.qr import CodeRefused, PointCodes
from zg_patrol.exceptions import PointCodeRefused
from zg_patrol.models import PatrolPoint, PointRating, outbox
from zg_patrol.supervision import repository
from zg_patrol.territory import service as territory


async def point_of_code(
    session: AsyncSession, token: str, codes: PointCodes, *, today: date
) -> PatrolPoint:
    """The point a scanned code stands for; a forged or revoked code is refused with why."""
    try:
        return await codes.point_of(session, token, today=today, valid_days=None)
    except CodeRefused as refused:
        raise PointCodeRefused(
            refused.message,
            errors=[FieldError(field="token", code=refused.reason, message=refused.message)],
        ) from refused


async def rate(
    session: AsyncSession,
    point: PatrolPoint,
    *,
    score: int,
    comment: str,
    caller: Identity,
    today: date,
    now: datetime,
) -> tuple[PointRating, bool]:
    """The caller's rating of the point today (replacing an earlier one of today); whether it
    replaced one."""
    rating, inserted = await repository.upsert_rating(
        session,
        point_id=point.id,
        rater_sub=caller.sub,
        day=today,
        score=score,
        comment=comment,
        at=now,
    )
    replaced = not inserted
    await outbox.add(
        session,
        PointRated(
            point_id=point.id,
            grid_id=point.grid_id,
            object_type=point.object_type,
            score=score,
            day=today,
            at=now,
        ),
        subject=point.id,
    )
    return rating, replaced


@dataclass(frozen=True)
class Summary:
    count: int
    average: float | None
    by_score: dict[int, int]


async def summary(session: AsyncSession, point_id: str, *, today: date, days: int) -> Summary:
    """How residents rated a point in service over its last `days` days (today included)."""
    await territory.point(session, point_id)
    by_score = await repository.scores_since(session, point_id, today - timedelta(days=days))
    count = sum(by_score.values())
    average = round(sum(s * n for s, n in by_score.items()) / count, 2) if count else None
    return Summary(count, average, {s: by_score.get(s, 0) for s in range(1, 6)})
