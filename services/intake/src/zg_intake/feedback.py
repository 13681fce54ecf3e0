"""Feedback on cases: reporters rate closed cases; partners push their citizens' updates."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseRated
from zg_common.contracts.routing import CaseStatus
from zg_common.errors import Forbidden
from zg_common.identity import Identity
from zg_intake import history, repository
from zg_intake.access import readable_cases
from zg_intake.exceptions import AlreadyRated, CaseStateConflict
from zg_intake.models import CaseRating, CaseStatusChange, outbox
from zg_intake.queries import get_case


async def record_partner_update(
    session: AsyncSession,
    *,
    number: str,
    update_id: str,
    claimed_status: str,
    description: str,
    at: datetime,
    caller: Identity,
) -> CaseStatusChange | None:
    """A partner's update of a case it may see, as a history note (once per update_id); None
    when there is no such case for this caller."""
    (case,) = await repository.cases_by_number(
        session, [number], visible=readable_cases(caller)
    ) or (None,)
    if case is None:
        return None
    # the partner's update id, as the history entry's event id (64 characters at most)
    marker = "open311:" + hashlib.sha256(f"{caller.sub}:{update_id}".encode()).hexdigest()[:48]
    earlier = await repository.change_by_event_id(session, case.id, marker)
    if earlier is not None:
        return earlier
    note = f"update from {caller.name or caller.role} ({claimed_status}): {description}".strip()
    change = await history.record(
        session, case, status=case.status, at=at, note=note[:4000], event_id=marker
    )
    await session.flush()  # its id is the update id the partner gets back
    return change


RATEABLE = frozenset({CaseStatus.CLOSED})


async def rate_case(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    score: int,
    comment: str,
    caller: Identity,
) -> CaseRating:
    """The reporter rates a closed case once; the rating is published for scoring. Whoever
    follows it through a merged report does not: anyone can file a duplicate of a public case,
    and its ratings are what scoring judges the department by."""
    case = await get_case(session, case_id, caller=caller)
    if case.reporter_sub != caller.sub:
        raise Forbidden("Only who reported the case rates it", code="not_the_reporter")
    if case.status not in RATEABLE:
        raise CaseStateConflict(f"Case {case.number} is {case.status}: rate it once it is closed")
    now = datetime.now(UTC)
    inserted = await session.scalar(
        pg_insert(CaseRating)
        .values(case_id=case.id, rater_sub=caller.sub, score=score, comment=comment, rated_at=now)
        .on_conflict_do_nothing()
        .returning(CaseRating.case_id)
    )
    if inserted is None:
        raise AlreadyRated(f"You rated case {case.number} already")
    await outbox.add(
        session,
        CaseRated(
            case_id=str(case.id),
            number=case.number,
            category=case.category,
            department_id=case.department_id,
            grid_id=case.grid_id,
            score=score,
            comment=comment,
            rater_role=caller.role,
            rated_at=now,
        ),
        subject=str(case.id),
    )
    rating = await session.get(CaseRating, (case.id, caller.sub))
    assert rating is not None
    return rating
