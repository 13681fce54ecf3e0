"""The services' connection pool keeps what it opened (`zg_common.db.create_engine`)."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from zg_common.db import create_engine, create_sessionmaker, read_session, request_session
from zg_common.settings import ServiceSettings


async def test_a_burst_as_large_as_the_pool_opens_no_connections_the_next_time(
    database_url: str,
) -> None:
    """The pool used to add as many overflow connections as its size and close them when they
    came back to a full pool: a load around the pool size opened new connections (a PostgreSQL
    backend each) all the time. Now every connection opened is kept, and callers beyond the
    size wait for one."""
    engine = create_engine(
        ServiceSettings(database_url=database_url, db_pool_size=4), application_name="zg-test"
    )
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine.sync_engine, "connect", count)
    inside = 0
    most = 0

    async def hold() -> None:
        nonlocal inside, most
        async with engine.connect() as conn:
            inside += 1
            most = max(most, inside)
            await conn.execute(text("SELECT pg_sleep(0.05)"))
            inside -= 1

    try:
        await asyncio.gather(*(hold() for _ in range(10)))
        first = opened
        await asyncio.gather(*(hold() for _ in range(10)))
        await asyncio.gather(*(hold() for _ in range(10)))
    finally:
        await engine.dispose()
    assert first == 4  # ten callers, four connections: the others waited
    assert most == 4
    assert opened == first  # the later bursts found them all still open


async def test_a_caller_waits_for_a_connection_no_longer_than_the_pool_timeout(
    database_url: str,
) -> None:
    """Beyond `db_pool_timeout_s` the wait ends in the pool's TimeoutError, which every
    service answers 503 database_unavailable with Retry-After (`zg_common.errors`): before
    the gateway's own deadline, so a refused report was not written."""
    engine = create_engine(
        ServiceSettings(database_url=database_url, db_pool_size=1, db_pool_timeout_s=0.2),
        application_name="zg-test",
    )
    try:
        async with engine.connect() as held:
            await held.execute(text("SELECT 1"))
            with pytest.raises(SQLAlchemyTimeoutError):
                # the default wait was 30 s: wait_for would end it first, with another error
                await asyncio.wait_for(engine.connect().__aenter__(), 10)
    finally:
        await engine.dispose()


async def test_a_read_session_runs_each_statement_on_its_own_without_begin_or_commit(
    engine: AsyncEngine,
) -> None:
    """`read_session` (GET routes): no transaction around the statements, so no BEGIN and no
    COMMIT round trips; `request_session`: one transaction, one id for both statements."""
    request = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(runtime=SimpleNamespace(sessions=None)))
    )
    request.app.state.runtime.sessions = create_sessionmaker(engine)
    xact = text("SELECT pg_current_xact_id()::text")

    async def ids(dependency: Any) -> tuple[str, str]:
        sessions = dependency(request)
        session = await anext(sessions)
        first, second = await session.scalar(xact), await session.scalar(xact)
        with contextlib.suppress(StopAsyncIteration):
            await anext(sessions)
        return first, second

    first, second = await ids(read_session)
    assert first != second  # each statement its own transaction
    first, second = await ids(request_session)
    assert first == second
