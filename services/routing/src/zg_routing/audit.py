"""One change log for everything managers edit (rules, the fallback owner, departments,
calendars, holiday schedules): who changed what, from what to what, when and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.identity import Identity
from zg_routing.models import ConfigChange


def record(
    session: AsyncSession,
    subject: str,
    change: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    reason: str,
    caller: Identity,
) -> None:
    session.add(
        ConfigChange(
            subject=subject,
            change=change,
            before=before,
            after=after,
            reason=reason,
            actor_sub=caller.sub,
            actor_role=caller.role,
            at=datetime.now(UTC),
        )
    )


async def changes_of(session: AsyncSession, subject: str) -> list[ConfigChange]:
    return list(
        await session.scalars(
            select(ConfigChange).where(ConfigChange.subject == subject).order_by(ConfigChange.id)
        )
    )
