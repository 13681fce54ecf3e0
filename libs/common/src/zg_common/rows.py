"""Rows written on the hot paths as plain SQL statements in the session's transaction.

The ORM's unit of work costs more than the statement it sends: flushing a new case was 13 % of
intake's samples under load (`docs/benchmarks.md`). A hot path that writes a row
it does not read back through the session builds its statement once with `RawColumns` (the
table's columns, their Python-side defaults, JSON encoded as SQLAlchemy's asyncpg dialect
expects) and runs it with `fetch`: SQL text in asyncpg's own form (`$1`), nothing to compile,
prepared once per connection by the dialect's statement cache, and a failure raised as
SQLAlchemy's usual exceptions (so the 503s, retries and conflict handling stay one mechanism).
The row is then not in the session: the caller reads nothing of it back through the ORM in the
same transaction (or reloads it). `driver` gives the asyncpg connection itself, for COPY."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy import JSON, Column, FetchedValue, Table, text
from sqlalchemy.ext.asyncio import AsyncSession

_BEGUN = text("SELECT 1")


async def driver(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, in the session's transaction (SQLAlchemy's
    adapter opens it on the first statement it runs: one is run if none has been yet, or the
    raw commands would each commit on their own)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver_connection: asyncpg.Connection = raw.driver_connection
    if not driver_connection.is_in_transaction():
        await session.execute(_BEGUN)
    if not driver_connection.is_in_transaction():
        raise RuntimeError("the session's connection is not in a transaction")
    return driver_connection


async def fetch(session: AsyncSession, sql: str, args: Sequence[Any]) -> Sequence[Any]:
    """Run `sql` (placeholders `$1`...) with `args` in the session's transaction; its rows
    (SQLAlchemy `Row`s, tuples of the statement's columns)."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(sql, tuple(args))
    return result.all() if result.returns_rows else ()


def _generated(column: Column[Any]) -> bool:
    """The database makes its value: identity, computed, or a trigger's (FetchedValue)."""
    return (
        column.identity is not None
        or column.computed is not None
        or type(column.server_default) is FetchedValue
    )


class RawColumns:
    """The columns of `table` an INSERT writes, in order (by default every column the database
    does not generate itself), and how a row's values become the statement's arguments."""

    def __init__(self, table: Table, names: Iterable[str] | None = None) -> None:
        self.table = table
        chosen = list(names) if names is not None else None
        self.columns: list[Column[Any]] = [
            c
            for c in table.columns
            if (c.name in chosen if chosen is not None else not _generated(c))
        ]
        if chosen is not None and len(self.columns) != len(chosen):
            unknown = set(chosen) - {c.name for c in self.columns}
            raise ValueError(f"{table.fullname} has no columns {sorted(unknown)}")
        self._json = [isinstance(c.type, JSON) for c in self.columns]

    @property
    def names(self) -> str:
        """`"a", "b", ...` for the statement's column list."""
        return ", ".join(f'"{c.name}"' for c in self.columns)

    def placeholders(self, first: int = 1) -> str:
        """`$first, $first+1, ...`, one per column."""
        return ", ".join(f"${first + i}" for i in range(len(self.columns)))

    @property
    def insert(self) -> str:
        """`INSERT INTO table (columns) VALUES ($1, ...)`, to end with a RETURNING or so."""
        return f"INSERT INTO {self.table.fullname} ({self.names}) VALUES ({self.placeholders()})"

    def args(self, row: Mapping[str, Any]) -> list[Any]:
        """The values of `row` in column order: a missing one takes the column's Python-side
        default (`default=`), JSON columns are encoded (the dialect's codec takes text)."""
        out = []
        for column, is_json in zip(self.columns, self._json, strict=True):
            if column.name in row:
                value = row[column.name]
            elif column.default is not None and getattr(column.default, "is_scalar", False):
                value = column.default.arg  # type: ignore[attr-defined]
            elif column.default is not None and getattr(column.default, "is_callable", False):
                value = column.default.arg(None)  # type: ignore[attr-defined]
            else:
                value = None
            out.append(json.dumps(value) if is_json and value is not None else value)
        return out
