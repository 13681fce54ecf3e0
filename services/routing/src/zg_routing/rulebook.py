"""Routing's directory in memory: the active rules of each category, the departments and the
fallback owner, as of a version of the rows (`routing.directory_version`, raised by a trigger
on every change, migration 0014). Every transaction that dispatches compares that one number
once and reloads when it moved, so a rule changed through any routing process decides the next
case dispatched, as when the rules were read for each case — one read per transaction instead
of one or two per case (they were a tenth of routing's CPU per case, `docs/benchmarks.md`).

The rules and departments held are detached copies: read them, never add them to a session."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import MissingReference
from zg_routing.models import Department, RoutingRule, RoutingSetting

VERSION = text("SELECT version FROM routing.directory_version WHERE id = 1")
_CHECKED = "zg_routing.rulebook"  # session.info: the book this transaction checked


@dataclass(frozen=True)
class Book:
    """The directory as of `version`."""

    version: int
    rules: dict[str, list[RoutingRule]] = field(default_factory=dict)  # active, by category
    departments: dict[str, Department] = field(default_factory=dict)
    fallback_department_id: str | None = None


Row = TypeVar("Row", RoutingRule, Department)


def _copy(row: Row) -> Row:
    """A detached copy of a loaded row: its columns only, never bound to a session."""
    columns = row.__table__.columns.keys()
    return type(row)(**{name: getattr(row, name) for name in columns})


async def _read(session: AsyncSession, version: int) -> Book:
    rules: dict[str, list[RoutingRule]] = defaultdict(list)
    for rule in await session.scalars(
        select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.id)
    ):
        rules[rule.category].append(_copy(rule))
    departments = {d.id: _copy(d) for d in await session.scalars(select(Department))}
    setting = await session.get(RoutingSetting, 1)
    fallback = setting.fallback_department_id if setting is not None else None
    return Book(version, dict(rules), departments, fallback)


class Rulebook:
    """The book of one routing process, kept current per transaction (`current`)."""

    def __init__(self) -> None:
        self.book: Book | None = None

    async def current(self, session: AsyncSession) -> Book:
        """The directory as this transaction sees it: the version is read once per transaction
        and the rows again only when it moved. Rows read after the version are never older
        than it, so a change committed meanwhile is read again, never missed."""
        checked = session.info.get(_CHECKED)
        if checked is not None and checked[0] is session.get_transaction():
            book: Book = checked[1]
            return book
        version = int(await session.scalar(VERSION) or 0)  # begins the transaction
        if self.book is None or self.book.version != version:
            self.book = await _read(session, version)
        session.info[_CHECKED] = (session.get_transaction(), self.book)
        return self.book

    async def department(self, session: AsyncSession, department_id: str) -> Department | None:
        return (await self.current(session)).departments.get(department_id)

    async def rules_for(self, session: AsyncSession, category: str) -> list[RoutingRule]:
        """The active rules of the category (the candidates `rules.choose` picks from)."""
        return (await self.current(session)).rules.get(category, [])

    async def fallback_department_id(self, session: AsyncSession) -> str:
        fallback = (await self.current(session)).fallback_department_id
        if fallback is None:
            raise MissingReference("routing has no fallback department configured")
        return fallback
