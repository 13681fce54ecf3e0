"""Retention (PIPL: kept no longer than the purpose needs): a departed resident's personal
data — name, ID document, phone, their masks and lookup hash, the app link — is deleted when
the retention period after the departure has passed (`ZG_ACCESS_RETENTION_DAYS`, 180 by
default); the row stays, with its compound, household, dates and tenure, for the counts. The
swipes of their cards and their link codes go with it; every swipe goes after
`ZG_ACCESS_SWIPE_RETENTION_DAYS`. Run hourly by every replica (rows locked, skipped by the
others)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zg_access.models import Card, LinkCode, Resident, Swipe
from zg_access.occupancy import local_day
from zg_access.runtime import AccessRuntime
from zg_common.db import unit_of_work

BATCH = 500


async def purge_departed(session: AsyncSession, *, today: date, now: datetime) -> int:
    """Delete the personal data of residents whose retention ended by `today`; how many."""
    due = list(
        await session.scalars(
            select(Resident.id)
            .where(Resident.purged_at.is_(None), Resident.purge_after <= today)
            .order_by(Resident.purge_after)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    if not due:
        return 0
    cards = select(Card.number).where(Card.resident_id.in_(due)).scalar_subquery()
    await session.execute(delete(Swipe).where(Swipe.card_number.in_(cards)))
    await session.execute(delete(LinkCode).where(LinkCode.resident_id.in_(due)))
    await session.execute(
        update(Resident)
        .where(Resident.id.in_(due))
        .values(
            name_enc=None,
            name_masked=None,
            id_type=None,
            id_number_enc=None,
            id_number_masked=None,
            id_lookup=None,
            phone_enc=None,
            phone_masked=None,
            app_sub=None,
            purged_at=now,
        )
    )
    return len(due)


async def purge_swipes(session: AsyncSession, *, keep_days: int, now: datetime) -> int:
    result = await session.execute(delete(Swipe).where(Swipe.at < now - timedelta(days=keep_days)))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_link_codes(session: AsyncSession, *, now: datetime) -> int:
    """Codes past their day (they count against an account's daily requests until then)."""
    result = await session.execute(
        delete(LinkCode).where(LinkCode.created_at < now - timedelta(days=2))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def housekeeping(runtime: AccessRuntime) -> int:
    """The hourly purge: departed residents' personal data in batches, old swipes and codes."""
    now = datetime.now(UTC)
    removed = 0
    while True:
        async with unit_of_work(runtime.sessions) as session:
            done = await purge_departed(session, today=local_day(now), now=now)
        removed += done
        if done < BATCH:
            break
    async with unit_of_work(runtime.sessions) as session:
        removed += await purge_swipes(
            session, keep_days=runtime.settings.swipe_retention_days, now=now
        )
        removed += await purge_link_codes(session, now=now)
    return removed
