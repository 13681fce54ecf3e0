"""Officers' positions during a shift: the app reports fixes (several at once when it was
offline), patrol keeps the track and each officer's latest fix, and publishes the latest for
the live map. Re-planning starts an officer from the latest fix when it is fresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import Scope
from zg_common.contracts.patrol import OfficerPositionReported
from zg_common.db import unit_of_work
from zg_common.errors import FieldError, ValidationFailed
from zg_common.geo import haversine_m
from zg_common.identity import Identity
from zg_patrol.exceptions import BadgeRequired, OfficerNotFound, TrackNotFound
from zg_patrol.models import Officer, OfficerLatest, OfficerPosition, outbox
from zg_patrol.positions import repository
from zg_patrol.requirements import Requirements
from zg_patrol.runtime import PatrolRuntime
from zg_patrol.territory import service as territory

MAX_FIXES = 100
MAX_AGE = timedelta(hours=12)  # fixes buffered longer than a shift are not taken
CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock a little ahead is tolerated
STALE_AFTER = timedelta(minutes=5)  # the live map greys out an officer not heard from since
FRESH_FOR_PLANNING = timedelta(minutes=15)
TRACK_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Fix:
    at: datetime
    lat: float
    lon: float
    accuracy_m: float
    mock_location: bool = False


def _refuse(errors: list[FieldError]) -> ValidationFailed:
    return ValidationFailed("some fixes are not taken; none was stored", errors=errors)


def _check(n: int, fix: Fix, now: datetime) -> FieldError | None:
    """Why the n-th fix is not taken, if it is not."""
    field, code, message = f"fixes.{n}.at", "", ""
    if fix.at.tzinfo is None:
        code, message = "naive_datetime", "add a UTC offset"
    elif fix.at > now + CLOCK_SKEW:
        code, message = "in_future", "the fix is from the future: check the phone's clock"
    elif fix.at < now - MAX_AGE:
        code, message = "too_old", f"fixes older than {MAX_AGE} are not taken"
    elif fix.mock_location:
        field, code, message = f"fixes.{n}.mock_location", "mock_location", "a mocked fix"
    return FieldError(field=field, code=code, message=message) if code else None


async def report(
    session: AsyncSession, fixes: list[Fix], *, caller: Identity, now: datetime
) -> OfficerLatest:
    """Store the caller's fixes (all or none) and move their latest position forward; the
    event tells the live map. Returns the latest position after the report."""
    officer = await territory.officer(session, caller.badge) if caller.badge else None
    if officer is None:
        raise BadgeRequired("only an officer's account with a badge number reports positions")
    errors = [error for n, fix in enumerate(fixes) if (error := _check(n, fix, now))]
    if errors:
        raise _refuse(errors)
    rows = [
        {"badge": officer.badge, "received_at": now}
        | {k: getattr(f, k) for k in ("at", "lat", "lon", "accuracy_m")}
        for f in fixes
    ]
    await repository.add_fixes(session, rows)
    newest = max(fixes, key=lambda f: f.at)
    fix = {k: getattr(newest, k) for k in repository.LATEST}
    if await repository.move_latest(session, officer.badge, fix):
        # (not when the report only filled in the past of the track)
        await outbox.add(
            session,
            OfficerPositionReported(
                badge=officer.badge,
                grid_id=officer.grid_id,
                shift=officer.shift,
                at=newest.at,
                lat=newest.lat,
                lon=newest.lon,
                accuracy_m=newest.accuracy_m,
            ),
            subject=officer.badge,
        )
    latest = await repository.latest_of(session, officer.badge, fresh=True)
    assert latest is not None
    return latest


async def live(
    session: AsyncSession, *, grid_ids: frozenset[str] | None, since: datetime
) -> list[tuple[Officer, OfficerLatest]]:
    """The officers heard from since `since` (of these grids, or all), with their latest fix."""
    return await repository.latest_since(session, grid_ids=grid_ids, since=since)


async def track(
    session: AsyncSession, badge: str, day: date, requirements: Requirements
) -> list[OfficerPosition]:
    """An officer's fixes of a local day, in time order."""
    begin = datetime.combine(day, time(), requirements.zone)
    return await repository.fixes_between(session, badge, begin, begin + timedelta(days=1))


async def visible_track(
    session: AsyncSession, badge: str, day: date, *, scope: Scope, requirements: Requirements
) -> list[OfficerPosition]:
    """`track` of an officer the caller sees (their grid's), never empty."""
    officer = await territory.officer(session, badge)
    if officer is None or not scope.sees(grid_id=officer.grid_id):
        raise OfficerNotFound(f"No officer {badge} in your grids")
    fixes = await track(session, badge, day, requirements)
    if not fixes:
        raise TrackNotFound(f"No positions of {badge} on {day}")
    return fixes


def length_m(fixes: list[OfficerPosition]) -> int:
    return round(sum(haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in pairwise(fixes)))


async def fresh_position(
    session: AsyncSession, badge: str, *, now: datetime
) -> OfficerLatest | None:
    """The officer's latest fix if it is recent enough to plan from."""
    latest = await repository.latest_of(session, badge)
    if latest is None or latest.at < now - FRESH_FOR_PLANNING or latest.at > now + CLOCK_SKEW:
        return None
    return latest


async def purge_track(runtime: PatrolRuntime) -> int:
    """Housekeeping: the track older than the retention."""
    cutoff = datetime.now(UTC) - timedelta(days=TRACK_RETENTION_DAYS)
    async with unit_of_work(runtime.sessions) as session:
        return await repository.delete_fixes_received_before(session, cutoff)


async def passed_near(
    session: AsyncSession,
    badge: str,
    lat: float,
    lon: float,
    *,
    begin: datetime,
    end: datetime,
    within_m: float,
) -> bool:
    """Whether the officer reported a fix between `begin` and `end` within `within_m` of the
    place (beyond the fix's own accuracy): a check-in's cross-check with the track."""
    fixes = await repository.fixes_between(session, badge, begin, end)
    return any(haversine_m(f.lat, f.lon, lat, lon) <= within_m + f.accuracy_m for f in fixes)
