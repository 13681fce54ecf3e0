"""A case's history: every status change (and note) is recorded here, and only here. The webhook
worker fans each entry out to the subscribers after the transaction commits (the entry is the
durable record; nothing is lost, and the request does not wait for it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

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
    change = CaseStatusChange(
        case_id=case.id, status=status, at=at, note=note, event_id=event_id, fanned_out=False
    )
    session.add(change)
    return change
