"""Async engine, session factory and the unit of work (commit or roll back, in one place)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from zg_common.settings import ServiceSettings

log = logging.getLogger(__name__)


def to_async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as tools print them) and use the asyncpg driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def to_asyncpg_dsn(url: str) -> str:
    """The same URL in the form asyncpg.connect() takes."""
    return to_async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def create_engine(settings: ServiceSettings, *, application_name: str) -> AsyncEngine:
    return create_async_engine(
        to_async_url(settings.database_url),
        # Every connection the pool opens stays in it: no overflow. Overflow connections are
        # closed when given back to a full pool, and under a load that hovers around the pool
        # size that meant several new connections a second (measured at 50 reports/s in
        # intake), each a new PostgreSQL backend, asyncpg's type introspection and every
        # statement prepared again. Callers beyond the size wait for a connection instead.
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_s,
        # asyncpg reports a dropped connection on use and the pool replaces it; a pre-ping
        # would cost one more round trip on every checkout.
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


_AFTER_COMMIT = "zg_after_commit"
_BEFORE_COMMIT = "zg_before_commit"


def before_commit(
    session: AsyncSession, key: object, write: Callable[[], Awaitable[object]]
) -> None:
    """Run `write` in the transaction, just before the unit of work that owns `session`
    commits (once per `key`: a later registration under it is ignored): for rows gathered
    during the transaction and written in one statement, like the outbox's events."""
    session.info.setdefault(_BEFORE_COMMIT, {}).setdefault(key, write)


@event.listens_for(Session, "before_commit")
def _nothing_left_unwritten(session: Session) -> None:
    """Only `unit_of_work` commits: rows waiting for its before-commit writes would otherwise
    be lost silently (an outbox event that never goes out). Fail loudly instead."""
    if session.info.get(_BEFORE_COMMIT):
        raise RuntimeError("a session with rows waiting to be written was committed directly")


def after_commit(session: AsyncSession, callback: Callable[[], Awaitable[object]]) -> None:
    """Run `callback` once the unit of work that owns `session` has committed (never after a
    rollback): for what this process keeps in memory and must learn a write at once. A failing
    callback is logged; the committed write stands."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


async def write_pending(session: AsyncSession) -> None:
    """Run the before-commit writes now (a test reading the outbox inside its transaction)."""
    while writes := session.info.pop(_BEFORE_COMMIT, None):  # a write may register another
        for write in writes.values():
            await write()


async def commit(session: AsyncSession) -> None:
    """What `unit_of_work` does at its end: the before-commit writes, then the commit (for a
    test that holds a transaction open across steps; services never commit themselves)."""
    await write_pending(session)
    await session.commit()


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: services only add and flush; this commits, or rolls back on any error,
    then runs what the service asked to run after the commit."""
    async with sessions() as session:
        try:
            yield session
            await commit(session)
        except BaseException:
            session.info.pop(_BEFORE_COMMIT, None)
            session.info.pop(_AFTER_COMMIT, None)
            await session.rollback()
            raise
        for callback in session.info.pop(_AFTER_COMMIT, ()):
            try:
                await callback()
            except Exception:
                log.exception("an after-commit callback failed")


TRY_LOCK = text("SELECT pg_try_advisory_lock(hashtext(:name), :key)")
UNLOCK = text("SELECT pg_advisory_unlock(hashtext(:name), :key)")


@asynccontextmanager
async def exclusive(
    sessions: async_sessionmaker[AsyncSession], name: str, key: int = 0
) -> AsyncIterator[bool]:
    """Whether this process may do `name`'s work (for `key`) now, among every replica: a
    session advisory lock on a connection held for the block and given up at its end (or when
    the process dies and its connection closes). False: another replica is at it, skip."""
    engine = sessions.kw["bind"]
    params = {"name": name, "key": key}
    async with engine.connect() as conn:
        taken = bool(
            await conn.scalar(text("SELECT pg_try_advisory_lock(hashtext(:name), :key)"), params)
        )
        await conn.commit()  # no transaction stays open while the work runs
        try:
            yield taken
        finally:
            if taken:
                try:
                    await conn.execute(
                        text("SELECT pg_advisory_unlock(hashtext(:name), :key)"), params
                    )
                    await conn.commit()
                except BaseException:
                    await conn.invalidate()  # closed, not pooled: the lock goes with it
                    raise


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency; use with `Depends(request_session, scope="function")` so the commit
    happens before the response is sent: a 201 is never answered for an uncommitted write."""
    async with unit_of_work(request.app.state.runtime.sessions) as session:
        yield session


# The request's unit of work, for routes: `session: SessionDep`. Committed before the response
# is sent (scope="function"); a route never commits, rolls back or opens another transaction.
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose statements run without a transaction (autocommit): no BEGIN and no
    COMMIT. Each statement sees the database at its own moment rather than one snapshot, and a
    write through it would commit at once: for reads only."""
    async with sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency for a route that only reads (`reading`): it pays no BEGIN and no
    COMMIT — two of a case read's five round trips, each a turn of a busy event loop
    (`zg_event_loop_lag_seconds`). Only GET routes take it (`tests/unit/test_service_layout.py`)."""
    async with reading(request.app.state.runtime.sessions) as session:
        yield session


# A read-only GET route's session: `session: ReadSessionDep`.
ReadSessionDep = Annotated[AsyncSession, Depends(read_session, scope="function")]
