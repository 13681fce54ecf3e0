"""Each service's Alembic migrations into its own schema: at start (`make run`, the default),
or once per release by `python -m zg_common.migrate SERVICE...` under the schema owner's role
(compose's and the chart's migration job), the services then running under a role that may
only read and write rows (`ZG_DB_RUNTIME_ROLE`, granted here) and starting only when their
schema is at the release's head (`ZG_MIGRATE_ON_START=false`)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from zg_common.settings import CommonSettings, ServiceSettings

SERVICES = (
    "gateway",
    "intake",
    "routing",
    "patrol",
    "scoring",
    "video-index",
    "access",
    "lighting",
)
# what the services do with their rows at run time (scoring's rebuild empties its projections
# with TRUNCATE; its bulk writes use temporary tables, a right PostgreSQL gives every role)
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE"


class SchemaBehind(RuntimeError):
    """The schema is not at the revision this release needs, and this process may not migrate."""


def find_migrations(package_file: str) -> Path:
    """`migrations/` beside the package in a wheel, or at the distribution root in a checkout."""
    package_dir = Path(package_file).resolve().parent
    for candidate in (package_dir / "migrations", package_dir.parent.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(f"no migrations folder found for {package_dir}")


def alembic_config(migrations: Path, schema: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.attributes["schema"] = schema
    return cfg


def _upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def upgrade(
    engine: AsyncEngine,
    migrations: Path,
    schema: str,
    revision: str = "head",
    *,
    grant_to: str | None = None,
) -> None:
    """Create the schema and upgrade it; an advisory lock serialises concurrent replicas. With
    `grant_to`, that role may then use the schema's rows (and of tables made later by this
    owner), nothing more: no CREATE, ALTER or DROP."""
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": zlib.crc32(f"migrate:{schema}".encode())},
        )
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(_upgrade, alembic_config(migrations, schema), revision)
        if grant_to:
            role, where = f'"{grant_to}"', f'"{schema}"'
            for grant in (
                f"GRANT USAGE ON SCHEMA {where} TO {role}",
                f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {where} TO {role}",
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {where} TO {role}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT {TABLE_RIGHTS} ON TABLES "
                f"TO {role}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT USAGE, SELECT, UPDATE ON "
                f"SEQUENCES TO {role}",
            ):
                await conn.execute(text(grant))


async def current(engine: AsyncEngine, schema: str) -> str | None:
    """The schema's applied revision (None: never migrated)."""
    async with engine.connect() as conn:
        try:
            applied = await conn.scalar(text(f'SELECT version_num FROM "{schema}".alembic_version'))
        except ProgrammingError:  # no such table (or schema)
            return None
        return None if applied is None else str(applied)


def head(migrations: Path) -> str | None:
    return ScriptDirectory.from_config(alembic_config(migrations, "")).get_current_head()


async def at_start(
    engine: AsyncEngine, package_file: str, schema: str, settings: CommonSettings
) -> None:
    """What a process does with its schema when it starts: migrate it (the default), or — with
    `ZG_MIGRATE_ON_START=false` — check that the release's migration job has."""
    migrations = find_migrations(package_file)
    if settings.migrate_on_start:
        await upgrade(engine, migrations, schema, grant_to=settings.db_runtime_role)
        return
    applied, wanted = await current(engine, schema), head(migrations)
    if applied != wanted:
        raise SchemaBehind(
            f"schema {schema} is at revision {applied}, this release needs {wanted}: run "
            f"`python -m zg_common.migrate {schema.replace('_', '-')}` as the schema's owner"
        )


def run_env() -> None:
    """Body of every service's `migrations/env.py`."""
    cfg: Any = context.config
    connection = cfg.attributes.get("connection")
    schema = cfg.attributes["schema"]
    if connection is None:
        raise RuntimeError(
            "run migrations through zg_common.migrate.upgrade (the service does at start)"
        )
    context.configure(
        connection=connection,
        version_table_schema=schema,
        include_schemas=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def package_of(service: str) -> Any:
    """A service's (or the gateway's) main module: its migrations and its schema's name."""
    return importlib.import_module(f"zg_{service.replace('-', '_')}.main")


async def migrate_services(services: Sequence[str], settings: ServiceSettings) -> None:
    from zg_common.db import create_engine

    engine = create_engine(settings, application_name="zg-migrate")
    try:
        for service in services:
            main = package_of(service)
            await upgrade(
                engine,
                find_migrations(main.__file__),
                main.SCHEMA,
                grant_to=settings.db_runtime_role,
            )
            print(f"{service}: schema {main.SCHEMA} at {head(find_migrations(main.__file__))}")
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zg_common.migrate",
        description="Apply the migrations of services (run once per release, as the schemas' "
        "owner: DATABASE_URL), granting their rows to ZG_DB_RUNTIME_ROLE when it is set.",
    )
    parser.add_argument("services", nargs="+", choices=[*SERVICES, "all"])
    args = parser.parse_args(argv)
    services = list(SERVICES) if "all" in args.services else args.services
    asyncio.run(migrate_services(services, ServiceSettings()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
