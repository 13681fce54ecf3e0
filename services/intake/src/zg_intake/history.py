"""A case's history: every status change (and note) is recorded here, and only here, so that
each one reaches the webhook subscribers in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zg_intake import webhooks
from zg_intake.models import Case, CaseStatusChange


async def record(
    session: AsyncSession,
    case: Case,
    *,
    status: str,
    at: datetime,
    note: str,
    event_id: str | None = None,
) -> CaseStatusChange:
    change = CaseStatusChange(case_id=case.id, status=status, at=at, note=note, event_id=event_id)
    session.add(change)
    await session.flush()  # the change's id: what deliveries of it refer to
    await webhooks.enqueue(session, case, change)
    return change
