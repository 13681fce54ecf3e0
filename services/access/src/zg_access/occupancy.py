"""Occupancy: registered residents per compound and grid, arrivals and departures per period,
and the event that tells the rest of the platform (counts only, never a person)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from zg_access import repository
from zg_access.models import Compound, outbox
from zg_access.schemas import OccupancyRead, OccupancyRow
from zg_common.contracts.access import OccupancyChanged

LOCAL = timezone(timedelta(hours=8))  # the district's days and weeks


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL).date()


def week_of(day: date) -> tuple[str, date, date]:
    """The ISO week of a day: its name (2026-W49), Monday and Sunday."""
    year, week, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    return f"{year}-W{week:02d}", monday, monday + timedelta(days=6)


def week_days(text: str) -> tuple[date, date] | None:
    """An ISO week's Monday and Sunday (`2026-W49`); None when there is no such week."""
    try:
        year, week = text.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None
    return monday, monday + timedelta(days=6)


async def publish(session: AsyncSession, compound: Compound, *, now: datetime) -> None:
    """The compound's counts now and in this week, after a registration or a departure."""
    name, monday, sunday = week_of(local_day(now))
    residents, occupied = (await repository.occupancy(session, [compound.id])).get(
        compound.id, (0, 0)
    )
    arrivals, departures = (await repository.movements(session, [compound.id], monday, sunday)).get(
        compound.id, (0, 0)
    )
    await outbox.add(
        session,
        OccupancyChanged(
            compound_id=compound.id,
            grid_id=compound.grid_id,
            residents=residents,
            households_occupied=occupied,
            households=compound.households,
            week=name,
            arrivals_in_week=arrivals,
            departures_in_week=departures,
            at=now.astimezone(UTC),
        ),
        subject=compound.id,
    )


async def report(
    session: AsyncSession,
    *,
    by: str,
    compound_ids: Sequence[str] | None,
    since: date,
    until: date,
) -> OccupancyRead:
    """Residents and households now, arrivals and departures since..until, per compound or
    summed per grid."""
    compounds = await repository.compounds(session, compound_ids)
    ids = [c.id for c in compounds]
    now = await repository.occupancy(session, ids)
    moves = await repository.movements(session, ids, since, until)
    rows: dict[str, list[int]] = {}
    for c in compounds:
        key = c.id if by == "compound" else c.grid_id
        residents, occupied = now.get(c.id, (0, 0))
        arrivals, departures = moves.get(c.id, (0, 0))
        row = rows.setdefault(key, [0, 0, 0, 0, 0])
        for i, value in enumerate((residents, c.households, occupied, arrivals, departures)):
            row[i] += value
    return OccupancyRead(
        by="compound" if by == "compound" else "grid",
        since=since,
        until=until,
        rows=[
            OccupancyRow(
                id=key,
                residents=r,
                households=h,
                households_occupied=o,
                arrivals=a,
                departures=d,
            )
            for key, (r, h, o, a, d) in sorted(rows.items())
        ],
    )
