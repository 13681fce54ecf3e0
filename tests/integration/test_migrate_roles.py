"""Migrations once per release under the schemas' owner, the services under a role that may
only use rows (`python -m zg_common.migrate`, `ZG_DB_RUNTIME_ROLE`, `ZG_MIGRATE_ON_START`)."""

from __future__ import annotations

import asyncio
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Infra
from tests.helpers import create_database, unique
from zg_common import migrate
from zg_common.db import to_async_url, to_asyncpg_dsn
from zg_common.settings import CommonSettings

pytestmark = pytest.mark.integration


def as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))


async def test_the_release_migrates_and_the_services_only_use_rows(infra: Infra) -> None:
    database, role = unique("zg_mig"), unique("zg_app")
    await create_database(infra.database_url, database)
    owner_url = infra.url_for(database)
    server = await asyncpg.connect(to_asyncpg_dsn(infra.database_url))
    await server.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "zg_common.migrate",
            "intake",
            "scoring",
            env={**os.environ, "DATABASE_URL": owner_url, "ZG_DB_RUNTIME_ROLE": role},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        assert proc.returncode == 0, output.decode()
        assert "intake: schema intake at" in output.decode()

        app = await asyncpg.connect(to_asyncpg_dsn(as_role(owner_url, role)))
        try:
            # its rows: read, written, emptied (scoring's rebuild truncates its projections)
            assert await app.fetchval("SELECT count(*) FROM intake.cases") == 0
            await app.execute(
                "INSERT INTO intake.processed_event (consumer, event_id, event_type) "
                "VALUES ('c', 'e', 't')"
            )
            await app.execute("UPDATE intake.processed_event SET event_type = 'u'")
            await app.execute("DELETE FROM intake.processed_event")
            table = await app.fetchval(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'scoring' ORDER BY table_name LIMIT 1"
            )
            await app.execute(f'TRUNCATE scoring."{table}"')
            # never the schema itself
            for statement in (
                "CREATE TABLE intake.sneaky (a int)",
                "DROP TABLE intake.cases",
                "ALTER TABLE intake.cases ADD COLUMN sneaky int",
                "CREATE SCHEMA sneaky",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await app.execute(statement)
        finally:
            await app.close()

        # a service under that role starts when its schema is at the release's head, and
        # refuses, naming the command, when the migration job has not run
        engine = create_async_engine(to_async_url(as_role(owner_url, role)))
        settings = CommonSettings(migrate_on_start=False)
        try:
            await migrate.at_start(
                engine, migrate.package_of("intake").__file__, "intake", settings
            )
            routing = migrate.package_of("routing").__file__
            with pytest.raises(migrate.SchemaBehind, match=r"python -m zg_common\.migrate routing"):
                await migrate.at_start(engine, routing, "routing", settings)
        finally:
            await engine.dispose()
    finally:
        await server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await server.execute(f'DROP ROLE IF EXISTS "{role}"')
        await server.close()
