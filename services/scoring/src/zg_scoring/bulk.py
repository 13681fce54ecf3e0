"""Bulk writes of the projection on the session's own connection and transaction, through
asyncpg's binary COPY: a batch of rows costs a few microseconds each instead of an INSERT's
parameter handling per row (the replay of a year of a city is millions of rows).

Rows with a conflict rule go as one `INSERT ... SELECT FROM unnest(<an array per column>) ON
CONFLICT ...` instead (COPY itself cannot skip or update)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


async def driver(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, in the session's transaction (SQLAlchemy's
    adapter opens it on the first statement it runs: one is run if none has been yet, or the
    raw commands would each commit on their own)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver_connection: asyncpg.Connection = raw.driver_connection
    if not driver_connection.is_in_transaction():
        await session.execute(text("SELECT 1"))
    if not driver_connection.is_in_transaction():
        raise RuntimeError("the session's connection is not in a transaction")
    return driver_connection


def _array_type(table: Table, column: str) -> str:
    return f"{table.c[column].type.compile(dialect=_DIALECT)}[]"


async def copy(
    session: AsyncSession,
    table: Table | Any,
    rows: Sequence[dict[str, Any]],
    *,
    on_conflict: str | None = None,
) -> None:
    """Write `rows` (dicts of the same keys) into `table`; `on_conflict` is the SQL after
    `ON CONFLICT` (`DO NOTHING`, `(id) DO UPDATE SET ... WHERE ...`), None for plain rows.
    Plain rows go by binary COPY; the others as one `INSERT ... SELECT FROM unnest(...)` of
    one array per column (COPY cannot skip or update)."""
    if not rows:
        return
    columns = list(rows[0])
    apg = await driver(session)
    if on_conflict is None:
        records = [tuple(row[c] for c in columns) for row in rows]
        await apg.copy_records_to_table(
            table.name, schema_name=table.schema, columns=columns, records=records
        )
        return
    arrays = [[row[c] for row in rows] for c in columns]
    params = ", ".join(f"${n}::{_array_type(table, c)}" for n, c in enumerate(columns, start=1))
    cols = ", ".join(columns)
    await apg.execute(
        f"INSERT INTO {table.schema}.{table.name} ({cols}) SELECT * FROM unnest({params}) "
        f"ON CONFLICT {on_conflict}",
        *arrays,
    )


def newer(key: str, order: str, columns: Sequence[str], table: Table | Any) -> str:
    """`ON CONFLICT` clause: replace the held row when the new one is at least as recent."""
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    return f"({key}) DO UPDATE SET {updates} WHERE {table.name}.{order} <= EXCLUDED.{order}"


def keep_newest(into: dict[Any, dict[str, Any]], key: Any, row: dict[str, Any], order: str) -> None:
    """Of several rows of one key in a batch, keep the newest by `order` (an upsert of one
    statement may touch a row once only)."""
    held = into.get(key)
    if held is None or held[order] <= row[order]:
        into[key] = row
