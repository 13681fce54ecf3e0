"""A service's change log of what its managers edit (routing's rules and calendars, patrol's
territory): who changed which thing, from what to what, when and why. Each service keeps it in
its own schema: a mapped class with `ChangeLogColumns`, written with `record` and read with
`changes_of`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, DateTime, Identity, String, Text, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from zg_common.identity import Identity as Caller


class ChangeLogColumns:
    """The columns of a change log table (mix into a declarative class with a __tablename__)."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    subject: Mapped[str] = mapped_column(String(80), index=True)
    change: Mapped[str] = mapped_column(String(20))  # created, updated, deactivated, ...
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_sub: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


Entry = TypeVar("Entry", bound=ChangeLogColumns)


def record(
    session: AsyncSession,
    log: type[Entry],
    subject: str,
    change: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    reason: str,
    caller: Caller,
) -> None:
    entry = log()
    entry.subject, entry.change, entry.before, entry.after = subject, change, before, after
    entry.reason, entry.actor_sub, entry.actor_role = reason, caller.sub, caller.role
    entry.at = datetime.now(UTC)
    session.add(entry)


async def changes_of(session: AsyncSession, log: type[Entry], subject: str) -> list[Entry]:
    return list(await session.scalars(select(log).where(log.subject == subject).order_by(log.id)))


class ChangeRead(BaseModel):
    subject: str = Field(
        examples=["RR0001", "department/city-management", "point/P0001", "officer/ZG001"]
    )
    change: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    reason: str
    actor_sub: str
    actor_role: str
    at: datetime
