"""An officer scans a patrol point's code: the check-in. The code's signature, serial (a
reissued point's older cards are void) and age, the phone's fix (not mocked, accurate enough,
within the radius of the point) and the time are checked; a scan inside a visit's window marks
the visit done, before it early, after it late (the standard's 早到/迟到: partial credit), and a
point without a visit of the day counts as an unplanned visit. A scan settles the officer's own
visit, or a colleague's planned visit in one of the officer's grids (done by the scanning
officer, flagged `others_visit`), never another officer's missed visit (their make-up stays
owed). The fix in the scan can be typed in (the point's place is public), so the scan is
cross-checked with the track the officer's app reported: no fix near the point in the quarter
of an hour before flags the check-in `no_track` for a supervisor — accepted, not silently.
Every scan is recorded and published (`patrol.checkin.recorded.v1`), refused ones with their
reason, so refusals can be counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.patrol import CheckinRecorded
from zg_common.errors import FieldError
from zg_common.geo import haversine_m
from zg_common.identity import Identity
from zg_patrol.checkin import repository, sheets
from zg_patrol.checkin.qr import CodeRefused, PointCodes
from zg_patrol.exceptions import CheckinRefused
from zg_patrol.models import Checkin, PatrolPoint, PlanVisit, outbox
from zg_patrol.plans import service as plans
from zg_patrol.positions import service as tracks
from zg_patrol.requirements import Requirements
from zg_patrol.territory import service as territory

OPEN_VISIT = ("planned", "unplanned", "missed")  # a scan may still settle these
# the track that makes a scan plausible: a fix of the officer this long before the scan (or a
# little after: the app sends fixes in batches) within this distance of the point, beyond the
# fix's own accuracy
TRACK_BEFORE = timedelta(minutes=15)
TRACK_AFTER = timedelta(minutes=2)
TRACK_NEAR_M = 150.0


@dataclass(frozen=True)
class Scan:
    token: str
    lat: float
    lon: float
    accuracy_m: float
    mock_location: bool


@dataclass(frozen=True)
class Outcome:
    outcome: str  # on_time, early, late, unplanned, refused
    point: PatrolPoint | None
    visit: PlanVisit | None
    distance_m: float | None
    reason: str | None = None
    message: str = ""
    field: str = "token"
    flags: tuple[str, ...] = ()


async def check_in(
    session: AsyncSession,
    scan: Scan,
    *,
    caller: Identity,
    now: datetime,
    requirements: Requirements,
    codes: PointCodes,
) -> Outcome:
    """Judge the scan and record it (refused too); the caller answers a refusal without
    raising, so that its unit of work commits the record."""
    outcome = await _judge(
        session, scan, caller=caller, now=now, requirements=requirements, codes=codes
    )
    if outcome.visit is not None and outcome.outcome in ("on_time", "early", "late"):
        if outcome.visit.status == "missed":  # visited late after all (by its own officer:
            # `_visit_for`): no make-up owed
            await plans.forgive_makeup(session, outcome.visit.id)
        outcome.visit.status = {"on_time": "done"}.get(outcome.outcome, outcome.outcome)
        outcome.visit.done_at, outcome.visit.done_by = now, caller.badge
        outcome.visit.updated_at = now
    await outbox.add(
        session,
        CheckinRecorded(
            outcome=outcome.outcome,
            reason=outcome.reason,
            badge=caller.badge,
            point_id=outcome.point.id if outcome.point else None,
            grid_id=outcome.point.grid_id if outcome.point else None,
            visit_id=outcome.visit.id if outcome.visit else None,
            window_start=outcome.visit.window_start if outcome.visit else None,
            window_end=outcome.visit.window_end if outcome.visit else None,
            distance_m=round(outcome.distance_m, 1) if outcome.distance_m is not None else None,
            accuracy_m=scan.accuracy_m,
            at=now,
            flags=list(outcome.flags),
        ),
        subject=caller.badge or caller.sub,
    )
    session.add(
        Checkin(
            at=now,
            badge=caller.badge,
            actor_sub=caller.sub,
            point_id=outcome.point.id if outcome.point else None,
            visit_id=outcome.visit.id if outcome.visit else None,
            outcome=outcome.outcome,
            reason=outcome.reason,
            lat=scan.lat,
            lon=scan.lon,
            accuracy_m=scan.accuracy_m,
            distance_m=outcome.distance_m,
            mock_location=scan.mock_location,
            flags=list(outcome.flags),
        )
    )
    return outcome


def refusal(outcome: Outcome) -> CheckinRefused:
    return CheckinRefused(
        outcome.message,
        errors=[
            FieldError(field=outcome.field, code=outcome.reason or "", message=outcome.message)
        ],
    )


async def _judge(
    session: AsyncSession,
    scan: Scan,
    *,
    caller: Identity,
    now: datetime,
    requirements: Requirements,
    codes: PointCodes,
) -> Outcome:
    rules = requirements.checkin
    today = requirements.local_day(now)
    try:
        point = await codes.point_of(
            session, scan.token, today=today, valid_days=rules.token_valid_days
        )
    except CodeRefused as refused:
        return Outcome("refused", None, None, None, refused.reason, refused.message)
    if caller.badge is None:
        message = "only an officer's account with a badge number checks in"
        return Outcome("refused", point, None, None, "no_badge", message, "badge")
    if scan.mock_location:
        message = "the phone reports a mocked location"
        return Outcome("refused", point, None, None, "mock_location", message, "mock_location")
    if scan.accuracy_m > rules.max_accuracy_m:
        message = (
            f"the fix is accurate to {scan.accuracy_m:.0f} m; "
            f"at most {rules.max_accuracy_m:.0f} m is accepted"
        )
        return Outcome("refused", point, None, None, "inaccurate_fix", message, "accuracy_m")
    distance = haversine_m(scan.lat, scan.lon, point.lat, point.lon)
    if distance > rules.radius_m:
        message = f"{distance:.0f} m from the point; check in within {rules.radius_m:.0f} m"
        return Outcome("refused", point, None, distance, "too_far", message, "lat")
    flags = () if await _track_near(session, caller.badge, point, now) else ("no_track",)
    visit = await _visit_for(session, point.id, caller, now)
    if visit is None:
        return Outcome("unplanned", point, None, distance, flags=flags)
    if visit.officer_badge != caller.badge:
        flags = (*flags, "others_visit")
    if visit.window_start <= now <= visit.window_end:
        return Outcome("on_time", point, visit, distance, flags=flags)
    outcome = "early" if now < visit.window_start else "late"
    return Outcome(outcome, point, visit, distance, flags=flags)


async def _track_near(session: AsyncSession, badge: str, point: PatrolPoint, now: datetime) -> bool:
    """Whether the officer's reported track has a fix near the point shortly before now."""
    return await tracks.passed_near(
        session,
        badge,
        point.lat,
        point.lon,
        begin=now - TRACK_BEFORE,
        end=now + TRACK_AFTER,
        within_m=TRACK_NEAR_M,
    )


async def _visit_for(
    session: AsyncSession, point_id: str, caller: Identity, now: datetime
) -> PlanVisit | None:
    """The visit of this point the scan settles: the caller's own, or a colleague's planned
    one in a grid of the caller's (never a colleague's missed visit: its make-up is theirs to
    do); of those, the one whose window holds now (the caller's own first), else the latest
    one past still open (late), else the next one of the same day (early)."""
    grids = set(caller.grid_ids)
    candidates = [
        v
        for v in await plans.visits_to_settle(session, point_id, statuses=OPEN_VISIT, now=now)
        if v.officer_badge == caller.badge or (v.grid_id in grids and v.status != "missed")
    ]
    mine = sorted(candidates, key=lambda v: v.officer_badge != caller.badge)
    current = [v for v in mine if v.window_start <= now <= v.window_end]
    if current:
        return current[0]
    past = [v for v in mine if v.window_end < now]
    if past:
        return max(past, key=lambda v: (v.officer_badge == caller.badge, v.window_end))
    soon = [v for v in mine if now < v.window_start < now + timedelta(hours=8)]
    return min(soon, key=lambda v: (v.officer_badge != caller.badge, v.window_start), default=None)


async def refusals(session: AsyncSession, since: datetime) -> dict[str, int]:
    """Refused check-ins since a moment, by reason."""
    return await repository.refusal_counts(session, since)


@dataclass(frozen=True)
class IssuedCode:
    token: str
    issued: date
    valid_until: date


async def issue_code(
    session: AsyncSession,
    point_id: str,
    *,
    requirements: Requirements,
    codes: PointCodes,
    now: datetime,
) -> IssuedCode:
    """A point's code (the token its QR carries), valid from today."""
    point = await territory.point(session, point_id)
    today = requirements.local_day(now)
    return IssuedCode(
        codes.issue(point, today),
        today,
        today + timedelta(days=requirements.checkin.token_valid_days),
    )


async def reissue_code(
    session: AsyncSession,
    point_id: str,
    *,
    reason: str,
    caller: Identity,
    requirements: Requirements,
    codes: PointCodes,
    now: datetime,
) -> IssuedCode:
    """A new code for the point that voids every earlier one (a card photographed, stolen or
    damaged): the serial goes up, logged with who and why and announced to the copies of the
    territory (intake refuses the old cards for reports too)."""
    point = await territory.point(session, point_id)
    before = {"code_serial": point.code_serial}
    point.code_serial += 1
    await territory.log_change(
        session,
        point,
        "code_reissued",
        before,
        {"code_serial": point.code_serial},
        reason=reason,
        caller=caller,
        now=now,
    )
    return await issue_code(session, point_id, requirements=requirements, codes=codes, now=now)


@dataclass(frozen=True)
class SheetCards:
    title: str
    cards: list[sheets.Card]
    valid_until: date


async def sheet_cards(
    session: AsyncSession,
    *,
    grid_id: str | None,
    route_id: str | None,
    requirements: Requirements,
    codes: PointCodes,
    now: datetime,
) -> SheetCards:
    """The cards of a grid's points, or of a route's in its order, with codes issued today."""
    if grid_id is not None:
        grid = await territory.grid(session, grid_id)
        title = f"{grid.name} {grid.id} · 巡查点二维码 patrol point codes"
        points = await territory.points(session, grid_id=grid_id)
    else:
        assert route_id is not None
        route = await territory.route(session, route_id)
        title = f"{route.name} {route.id} · 巡查点二维码 patrol point codes"
        points = await territory.route_points(session, route)
    today = requirements.local_day(now)
    cards = [
        sheets.Card(p.id, p.code, p.name, p.address, p.object_type, codes.issue(p, today))
        for p in points
    ]
    return SheetCards(title, cards, today + timedelta(days=requirements.checkin.token_valid_days))
