"""The platform's statements behind a connection pooler in session mode (Debian's PgBouncer,
`make pgbouncer`): SQLAlchemy's asyncpg dialect prepares named statements and keeps them per
connection, the consumers record a poll's ids in one prepared `unnest` statement, the outbox
writes a transaction's events in one statement, the relay holds a session advisory lock on a
connection of its own, and read-only requests run without BEGIN/COMMIT (`read_session`). All
of it must keep working where a district puts a pooler in front of PostgreSQL. Transaction
pooling needs PgBouncer 1.21 or later (its `max_prepared_statements`), which Debian 12 does not
ship (1.18): with 1.18 in transaction mode this test fails ("prepared statement
__asyncpg_stmt_… does not exist"), as docs/reliability.md says."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.conftest import Infra
from tests.helpers import eventually, free_port, unique
from zg_common.consumer import ConsumerSpec, IdempotentConsumer
from zg_common.db import create_engine, create_sessionmaker, reading, unit_of_work
from zg_common.events import CloudEvent, EventContract
from zg_common.kafka import create_producer, ensure_topics
from zg_common.kafka_cluster import TopicPlan
from zg_common.messaging import install_common_tables_v1
from zg_common.outbox import Outbox, OutboxRelay
from zg_common.settings import ServiceSettings
from zg_local.postgres import SYSTEM_USER
from zg_local.procs import make_traversable, unprivileged_user

pytestmark = pytest.mark.integration

EVENTS = 40


class Pooled(EventContract):
    event_type: ClassVar[str] = "test.pooled.sent.v1"
    topic: ClassVar[str] = "test.pooled"
    n: int
    at: datetime


@contextlib.asynccontextmanager
async def pgbouncer(infra: Infra, folder: Path, database: str) -> AsyncIterator[str]:
    """A session-pooling PgBouncer in front of the test server; its URL for `database`."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    assert Path(binary).exists(), "PgBouncer is not installed: `make pgbouncer` installs it"
    server = urlsplit(infra.url_for(database))
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.txt").write_text(f'"{server.username}" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host={server.hostname} port={server.port}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {folder / 'users.txt'}",
                "pool_mode = session",
                "default_pool_size = 20",
                "max_client_conn = 200",
                f"logfile = {folder / 'pgbouncer.log'}",
                "",
            ]
        )
    )
    user = unprivileged_user(SYSTEM_USER)  # it refuses to run as root
    if user is not None:
        make_traversable(folder)
        for path in [folder, *folder.iterdir()]:
            shutil.chown(path, user.pw_uid, user.pw_gid)
    command = [binary, *(["-u", user.pw_name] if user else []), str(config)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            assert proc.poll() is None, (folder / "pgbouncer.log").read_text()
            await asyncio.sleep(0.05)
        netloc = f"{server.username}@127.0.0.1:{port}"
        yield f"postgresql+asyncpg://{netloc}/{database}"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_the_platform_s_statements_work_behind_a_session_pooler(
    infra: Infra, engine: AsyncEngine, tmp_path: Path
) -> None:
    database = engine.url.database
    assert database is not None
    async with pgbouncer(infra, tmp_path / "pgbouncer", database) as url:
        settings = ServiceSettings(database_url=url, db_pool_size=4)
        pooled = create_engine(settings, application_name="zg-pooled")
        name = unique("pool")
        schema = MetaData(schema=name)
        applied = Table(
            "applied",
            schema,
            Column("n", Integer, primary_key=True),
            Column("times", Integer, nullable=False),
        )
        async with pooled.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{name}"'))
            await conn.run_sync(install_common_tables_v1, name)
            await conn.run_sync(applied.create)

        async def apply(session: AsyncSession, event: CloudEvent) -> None:
            await session.execute(
                pg_insert(applied)
                .values(n=Pooled.parse(event).n, times=1)
                .on_conflict_do_update(
                    index_elements=[applied.c.n], set_={"times": applied.c.times + 1}
                )
            )

        sessions = create_sessionmaker(pooled)
        outbox = Outbox(schema, source="/pooled")
        await ensure_topics(infra.kafka_bootstrap_servers, [Pooled.topic], plan=TopicPlan())
        producer = create_producer(infra.kafka_bootstrap_servers, client_id=unique("pooled"))
        await producer.start()
        relay = OutboxRelay(pooled, producer, outbox, service="pooled", poll_interval=0.1)
        consumer = IdempotentConsumer(
            ConsumerSpec(unique("pooled"), [Pooled.topic], {Pooled.event_type: apply}),
            kafka=infra.kafka_bootstrap_servers,
            sessions=sessions,
            schema=name,
            producer=producer,
        )
        tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
        try:
            for start in range(0, EVENTS, 4):  # several events a transaction: one statement
                async with unit_of_work(sessions) as session:
                    for n in range(start, start + 4):
                        event = Pooled(n=n, at=datetime.now().astimezone())
                        await outbox.add(session, event, subject=str(n))

            async def reads(count: int) -> int:
                """Reads without a transaction, many at once, on every pooled connection."""
                async with reading(sessions) as session:
                    totals = [
                        await session.scalar(select(func.count()).select_from(applied))
                        for _ in range(count)
                    ]
                    return int(totals[-1] or 0)

            async def all_applied() -> bool | None:
                counts = await asyncio.gather(*(reads(5) for _ in range(6)))
                return True if set(counts) == {EVENTS} else None

            await eventually(all_applied, timeout=60, interval=0.3, what="applied via the pooler")
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await relay.close()
            await producer.stop()
        async with pooled.connect() as conn:
            times = set((await conn.execute(select(applied.c.times))).scalars())
            # the statements really were prepared and reused on the pooled connections
            prepared = await conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            await conn.commit()
        await pooled.dispose()
    assert times == {1}, "each event applied once"
    assert prepared and prepared > 0
