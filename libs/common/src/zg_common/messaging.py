"""Tables every service has in its own schema: outbox, processed events, loaded reference data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine


def _existing(metadata: MetaData, name: str) -> Table | None:
    return metadata.tables.get(f"{metadata.schema}.{name}" if metadata.schema else name)


def outbox_table(metadata: MetaData) -> Table:
    if (table := _existing(metadata, "outbox")) is not None:
        return table
    return Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Index(
            "ix_outbox_unpublished",
            "seq",
            postgresql_where=text("published_at IS NULL"),
        ),
    )


def processed_event_table(metadata: MetaData) -> Table:
    if (table := _existing(metadata, "processed_event")) is not None:
        return table
    return Table(
        "processed_event",
        metadata,
        Column("consumer", String(200), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


def refdata_load_table(metadata: MetaData) -> Table:
    """Which version of each part of the default data set a service has loaded."""
    if (table := _existing(metadata, "refdata_load")) is not None:
        return table
    return Table(
        "refdata_load",
        metadata,
        Column("part", String(100), primary_key=True),
        Column("version", String(50), nullable=False),
        Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def outbox_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel that wakes a schema's outbox relay."""
    return f"{schema}_outbox"


def install_common_tables_v1(connection: Connection, schema: str) -> None:
    """Version 1 of the outbox, processed-event and refdata tables, on a sync connection.

    A statement-level trigger notifies the relay: the NOTIFY is delivered at commit, when the
    rows are visible, and costs the writer no extra round trip.
    """
    metadata = MetaData(schema=schema)
    outbox_table(metadata)
    processed_event_table(metadata)
    refdata_load_table(metadata)
    metadata.create_all(connection)
    channel = outbox_channel(schema)
    connection.exec_driver_sql(
        f"""CREATE FUNCTION "{schema}".outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$"""
    )
    connection.exec_driver_sql(
        f'CREATE TRIGGER outbox_notify AFTER INSERT ON "{schema}".outbox '
        f'FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".outbox_notify()'
    )


def create_common_tables_v1(op: Any, schema: str) -> None:
    """Frozen DDL for migrations; a later change adds a `_v2` step beside this one."""
    install_common_tables_v1(op.get_bind(), schema)


async def purge_processed(engine: AsyncEngine, schema: str, *, older_than_days: int) -> int:
    """Forget processed-event ids older than any record Kafka can still redeliver."""
    table = processed_event_table(MetaData(schema=schema))
    async with engine.begin() as conn:
        result = await conn.execute(
            table.delete().where(
                table.c.processed_at < func.now() - func.make_interval(0, 0, 0, older_than_days)
            )
        )
    return int(result.rowcount or 0)
