"""Bulk writes of the projection on the session's own connection and transaction, through
asyncpg's binary COPY: a batch of rows costs a few microseconds each instead of an INSERT's
parameter handling per row (the replay of a year of a city is millions of rows).

Rows with a conflict rule (COPY itself cannot skip or update) go through a staging table: COPY
into a temporary table of the transaction, then one `INSERT ... SELECT ... ON CONFLICT ...`.
Many rows that only skip the held ones (`DO NOTHING`: facts keyed by their event) are first
copied straight in under a savepoint, and staged only if one is held already: in a replay they
are all new, and staging them cost PostgreSQL a fifth of its CPU per replayed event (measured:
30-32 us, 24-26 us without). A few
rows (the live consumer's batches) go as one `INSERT ... SELECT FROM unnest(<an array per
column>) ON CONFLICT ...` instead, which needs no table of its own: asyncpg checks every element
of an array against the collection ABCs, ~6 us a row more than COPY (measured on 5,000-row
batches), while a temporary table costs a few catalog rows each time."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.rows import driver

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
STAGED = 200  # rows with a conflict rule from this many on go through a staging table
NOTHING = "DO NOTHING"  # the conflict rule of facts keyed by their event: a held one stays


def _array_type(table: Table, column: str) -> str:
    return f"{table.c[column].type.compile(dialect=_DIALECT)}[]"


async def copy(
    session: AsyncSession,
    table: Table | Any,
    rows: Sequence[dict[str, Any]],
    *,
    on_conflict: str | None = None,
    key_order: bool = False,
) -> None:
    """Write `rows` (dicts of the same keys) into `table`; see `copy_records`."""
    if not rows:
        return
    columns = list(rows[0])
    # itemgetter: the row's values in C (a generator per row cost ~10 us per row)
    values = itemgetter(*columns)
    records = (
        [values(row) for row in rows] if len(columns) > 1 else [(values(row),) for row in rows]
    )
    await copy_records(
        session, table, columns, records, on_conflict=on_conflict, key_order=key_order
    )


async def copy_records(
    session: AsyncSession,
    table: Table | Any,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
    *,
    on_conflict: str | None = None,
    key_order: bool = False,
) -> None:
    """Write `records` (tuples of `columns`) into `table`; `on_conflict` is the SQL after
    `ON CONFLICT` (`DO NOTHING`, `(id) DO UPDATE SET ... WHERE ...`), None for plain rows.
    Plain rows go by binary COPY, the others through a staging table or `unnest` (see the
    module).

    Rows are inserted in the order given (a case's steps: their `seq`, the tie-break of steps of
    one moment, is their arrival order), or with `key_order` in the order of the table's
    primary key: rows an upsert may update, so that two transactions writing the same keys (a
    replay's batches written together, or beside the live consumer) lock them in one order and
    never wait for each other in a cycle."""
    if not records:
        return
    columns = list(columns)
    apg = await driver(session)
    cols = ", ".join(columns)
    target = f"{table.schema}.{table.name}"
    if on_conflict is None:
        await apg.copy_records_to_table(
            table.name, schema_name=table.schema, columns=columns, records=records
        )
        return
    order = ", ".join(c.name for c in table.primary_key.columns) if key_order else "zg_n"
    if on_conflict == NOTHING and len(records) >= STAGED:
        # most of a large batch's rows are new (a replay): COPY them straight in, and only if
        # one is held already (a redelivery) go through the staging table
        await apg.execute("SAVEPOINT zg_copy")
        try:
            await apg.copy_records_to_table(
                table.name, schema_name=table.schema, columns=columns, records=records
            )
        except asyncpg.UniqueViolationError:
            await apg.execute("ROLLBACK TO SAVEPOINT zg_copy")
        else:
            await apg.execute("RELEASE SAVEPOINT zg_copy")
            return
    if len(records) >= STAGED:
        stage = f"zg_stage_{table.name}"
        # dropped at once (and at commit in any case): the next batch's columns may differ;
        # the statements take no parameters, so none is prepared against a table that goes.
        # zg_n numbers the rows as COPY takes them, in the order given
        await apg.execute(
            f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {cols} FROM {target} WITH NO DATA;"
            f" ALTER TABLE {stage} ADD COLUMN zg_n bigint GENERATED ALWAYS AS IDENTITY"
        )
        await apg.copy_records_to_table(stage, columns=columns, records=records)
        await apg.execute(
            f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage} ORDER BY {order} "
            f"ON CONFLICT {on_conflict}; DROP TABLE {stage}"
        )
        return
    arrays = [list(values) for values in zip(*records, strict=True)]
    params = ", ".join(f"${n}::{_array_type(table, c)}" for n, c in enumerate(columns, start=1))
    await apg.execute(
        f"INSERT INTO {target} ({cols}) SELECT {cols} FROM unnest({params}) "
        f"WITH ORDINALITY AS u({cols}, zg_n) ORDER BY {order} ON CONFLICT {on_conflict}",
        *arrays,
    )


async def upsert_newest(
    session: AsyncSession, table: Table | Any, rows: Sequence[dict[str, Any]], order: str
) -> None:
    """Write `rows` (the newest of each key: `keep_newest`) into `table`, keyed by its primary
    key: a held row is replaced when the new one is at least as recent by `order`."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in rows[0] if c not in keys)
    clause = (
        f"({', '.join(keys)}) DO UPDATE SET {updates} "
        f"WHERE {table.name}.{order} <= EXCLUDED.{order}"
    )
    await copy(session, table, rows, on_conflict=clause, key_order=True)


def keep_newest(into: dict[Any, dict[str, Any]], key: Any, row: dict[str, Any], order: str) -> None:
    """Of several rows of one key in a batch, keep the newest by `order` (an upsert of one
    statement may touch a row once only)."""
    held = into.get(key)
    if held is None or held[order] <= row[order]:
        into[key] = row
