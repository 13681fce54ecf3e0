"""Routing's change log of what managers edit (rules, the fallback owner, departments,
calendars, holiday schedules), on the shared change log (zg_common.changelog)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common import changelog
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
    changelog.record(
        session, ConfigChange, subject, change, before, after, reason=reason, caller=caller
    )


async def changes_of(session: AsyncSession, subject: str) -> list[ConfigChange]:
    return await changelog.changes_of(session, ConfigChange, subject)


async def change_reads(session: AsyncSession, subject: str) -> list[changelog.ChangeRead]:
    """A subject's changes as the API shows them, oldest first."""
    return [
        changelog.ChangeRead.model_validate(c, from_attributes=True)
        for c in await changes_of(session, subject)
    ]
