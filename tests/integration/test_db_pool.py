"""The services' connection pool keeps what it opened (`zg_common.db.create_engine`)."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, text

from zg_common.db import create_engine
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
