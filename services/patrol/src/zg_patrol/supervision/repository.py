"""Queries of residents' supervision: their ratings of the points."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_patrol.models import PointRating


async def upsert_rating(
    session: AsyncSession,
    *,
    point_id: str,
    rater_sub: str,
    day: date,
    score: int,
    comment: str,
    at: datetime,
) -> tuple[PointRating, bool]:
    """The rater's rating of the point that day, replacing an earlier one of the same day;
    whether it was new."""
    upsert = pg_insert(PointRating).values(
        point_id=point_id, rater_sub=rater_sub, day=day, score=score, comment=comment, at=at
    )
    row: Any = (
        await session.execute(
            upsert.on_conflict_do_update(
                constraint="uq_point_rating_once_a_day",
                set_={"score": upsert.excluded.score, "comment": upsert.excluded.comment, "at": at},
            ).returning(PointRating.id, literal_column("xmax = 0").label("inserted"))
        )
    ).one()
    rating = await session.get(PointRating, row.id, populate_existing=True)
    assert rating is not None
    return rating, bool(row.inserted)


async def scores_since(session: AsyncSession, point_id: str, after: date) -> dict[int, int]:
    """How many ratings of each score the point got after a day."""
    rows = await session.execute(
        select(PointRating.score, func.count())
        .where(PointRating.point_id == point_id, PointRating.day > after)
        .group_by(PointRating.score)
    )
    return {score: n for score, n in rows.all()}
