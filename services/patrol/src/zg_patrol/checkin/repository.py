"""Queries of check-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_patrol.models import Checkin


async def refusal_counts(session: AsyncSession, since: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(Checkin.reason, func.count())
        .where(Checkin.outcome == "refused", Checkin.at >= since)
        .group_by(Checkin.reason)
    )
    return {reason or "": int(n) for reason, n in rows.all()}
