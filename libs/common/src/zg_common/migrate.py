"""Each service applies its own Alembic migrations into its own schema at startup."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine


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
    engine: AsyncEngine, migrations: Path, schema: str, revision: str = "head"
) -> None:
    """Create the schema and upgrade it; an advisory lock serialises concurrent replicas."""
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": zlib.crc32(f"migrate:{schema}".encode())},
        )
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(_upgrade, alembic_config(migrations, schema), revision)


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
