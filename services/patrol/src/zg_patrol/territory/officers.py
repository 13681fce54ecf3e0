"""Managers edit the officers of the territory: badge, grid, shift, certificate; and their
absences (leave planned ahead). Officers are retired, never deleted (plans, check-ins and scores
refer to them); every change is logged and announced like the other edits (`service`)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.errors import Conflict
from zg_common.identity import Identity
from zg_patrol.exceptions import AbsenceNotFound, OfficerNotFound
from zg_patrol.models import Officer, OfficerAbsence
from zg_patrol.requirements import Requirements
from zg_patrol.territory import repository
from zg_patrol.territory.service import existing_grid, invalid, log_change, snapshot

OFFICER_FIELDS = ("name", "grid_id", "shift", "certificate")


async def create_officer(
    session: AsyncSession,
    values: dict[str, Any],
    *,
    requirements: Requirements,
    reason: str,
    caller: Identity,
    now: datetime,
) -> Officer:
    if await session.get(Officer, values["badge"]) is not None:
        raise Conflict(f"badge {values['badge']} is taken (retired badges are not reused)")
    await existing_grid(session, values["grid_id"])
    _check_shift(values["shift"], requirements)
    officer = Officer(**{f: values[f] for f in ("badge", *OFFICER_FIELDS)}, edited_at=now)
    session.add(officer)
    await session.flush()
    await log_change(
        session,
        officer,
        "created",
        None,
        snapshot(officer, OFFICER_FIELDS),
        reason=reason,
        caller=caller,
        now=now,
    )
    return officer


def _check_shift(shift: str, requirements: Requirements) -> None:
    shifts = [s.id for s in requirements.shifts]
    if shift not in shifts:
        raise invalid("shift", "unknown_shift", f"one of: {', '.join(shifts)}")


async def _active_officer(session: AsyncSession, badge: str) -> Officer:
    officer = await session.get(Officer, badge, with_for_update=True)
    if officer is None or officer.retired_at is not None:
        raise OfficerNotFound(f"No officer {badge}")
    return officer


async def update_officer(
    session: AsyncSession,
    badge: str,
    changes: dict[str, Any],
    *,
    requirements: Requirements,
    reason: str,
    caller: Identity,
    now: datetime,
) -> Officer:
    """A new grid or shift applies to plans made from now on (a running shift's plan keeps
    the officer until it is planned again)."""
    officer = await _active_officer(session, badge)
    if "grid_id" in changes:
        await existing_grid(session, changes["grid_id"])
    if "shift" in changes:
        _check_shift(changes["shift"], requirements)
    before = snapshot(officer, OFFICER_FIELDS)
    for field, value in changes.items():
        setattr(officer, field, value)
    officer.edited_at = now
    await log_change(
        session,
        officer,
        "updated",
        before,
        snapshot(officer, OFFICER_FIELDS),
        reason=reason,
        caller=caller,
        now=now,
    )
    return officer


async def retire_officer(
    session: AsyncSession, badge: str, *, reason: str, caller: Identity, now: datetime
) -> Officer:
    officer = await _active_officer(session, badge)
    officer.retired_at = officer.edited_at = now
    await log_change(
        session,
        officer,
        "retired",
        snapshot(officer, OFFICER_FIELDS),
        None,
        reason=reason,
        caller=caller,
        now=now,
    )
    return officer


async def add_absence(
    session: AsyncSession,
    badge: str,
    *,
    day: date,
    from_time: time | None,
    reason: str,
    requirements: Requirements,
    caller: Identity,
    now: datetime,
) -> OfficerAbsence:
    """Leave planned ahead: the officer is off their shift of `day` from `from_time` (local;
    the shift's start when not given). Plans made after it leave them out."""
    officer = await _active_officer(session, badge)
    begin, end = requirements.shift(officer.shift).on(day, requirements.zone)
    from_at = begin
    if from_time is not None:
        from_at = datetime.combine(begin.date(), from_time, requirements.zone)
        if from_at < begin:  # a night shift's small hours are the next day's
            from_at = datetime.combine(end.date(), from_time, requirements.zone)
        if not begin <= from_at < end:
            raise invalid(
                "from_time",
                "outside_shift",
                f"the {officer.shift} shift of {day} is {begin:%H:%M}-{end:%H:%M}",
            )
    if end <= now:
        raise invalid("day", "past_shift", "that shift is over")
    absence = OfficerAbsence(
        badge=badge,
        day=day,
        shift=officer.shift,
        from_at=from_at,
        reason=reason,
        recorded_by=caller.sub,
        recorded_at=now,
    )
    session.add(absence)
    await session.flush()
    after = {"day": day.isoformat(), "shift": officer.shift, "from_at": from_at.isoformat()}
    await log_change(
        session,
        officer,
        "absence_added",
        None,
        after | {"id": absence.id},
        reason=reason,
        caller=caller,
        now=now,
    )
    return absence


async def cancel_absence(
    session: AsyncSession, badge: str, absence_id: int, *, caller: Identity, now: datetime
) -> None:
    """An absence that has not begun is called off (one that began is history)."""
    absence = await session.get(OfficerAbsence, absence_id, with_for_update=True)
    if absence is None or absence.badge != badge:
        raise AbsenceNotFound(f"No absence {absence_id} of {badge}")
    if absence.from_at <= now:
        raise Conflict("the absence has begun; it stays on record")
    before = {
        "id": absence.id,
        "day": absence.day.isoformat(),
        "shift": absence.shift,
        "from_at": absence.from_at.isoformat(),
    }
    await session.delete(absence)
    officer = await session.get(Officer, badge)
    assert officer is not None  # an absence's officer is never deleted
    await log_change(
        session,
        officer,
        "absence_cancelled",
        before,
        None,
        reason=absence.reason,
        caller=caller,
        now=now,
    )


async def absences_of(session: AsyncSession, badge: str, since: date) -> list[OfficerAbsence]:
    if await session.get(Officer, badge) is None:
        raise OfficerNotFound(f"No officer {badge}")
    return await repository.absences_of(session, badge, since)
