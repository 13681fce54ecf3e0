"""Queries of the intake schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zg_common.contracts.intake import ReportStatus
from zg_common.rows import RawColumns, fetch
from zg_intake.models import (
    Case,
    CaseStatusChange,
    Category,
    District,
    IdempotencyKey,
    Media,
)
from zg_intake.schemas import CaseFilters

_CASE_ROW = RawColumns(cast(Table, Case.__table__))
_HISTORY = cast(Table, CaseStatusChange.__table__)
_N = len(_CASE_ROW.columns)
# the case and its first history entry in one statement: the database numbers the case
INSERT_CASE = (
    f"WITH c AS ({_CASE_ROW.insert} RETURNING id, number, reported_at), "
    f"h AS (INSERT INTO {_HISTORY.fullname} (case_id, status, at, note, "
    f"fanned_out) SELECT id, ${_N + 1}::varchar, reported_at, ${_N + 2}::text, false FROM c) "
    "SELECT number FROM c"
)


async def insert_case(
    session: AsyncSession, row: dict[str, object], *, status: str, note: str
) -> str:
    """Write a new case (the values of its columns; the database makes its number and seq) and
    the first entry of its history, at its `reported_at`, without the ORM's unit of work (the
    report's hot path). Returns the case's number; the row is not in the session."""
    (written,) = await fetch(session, INSERT_CASE, [*_CASE_ROW.args(row), status, note])
    number: str = written[0]
    return number


async def list_categories(session: AsyncSession) -> list[Category]:
    return list(await session.scalars(select(Category).order_by(Category.code)))


async def get_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    for_update: bool = False,
    with_history: bool = True,
) -> Case | None:
    """A case (`for_update`: locked until the transaction ends). A case locked before in the
    same transaction is not read again: the consumer follows a poll's steps of one case (accept,
    file, dispatch) in one transaction, and its changes then go out in one UPDATE."""
    locked: dict[uuid.UUID, Case] = session.info.get(_LOCKED, {})
    if for_update and not with_history and (case := locked.get(case_id)) is not None:
        return case
    query = select(Case).where(Case.id == case_id)
    if with_history:
        query = query.options(selectinload(Case.history))
    if for_update:
        query = query.with_for_update()
    case = await session.scalar(query)
    if for_update and case is not None:
        session.info.setdefault(_LOCKED, {})[case_id] = case
    return case


_LOCKED = "zg_intake_locked_cases"  # in session.info: the cases this transaction has locked


async def lock_cases(session: AsyncSession, case_ids: Iterable[uuid.UUID]) -> None:
    """Lock these cases in one statement, in id order (two transactions locking overlapping
    sets wait for each other, never deadlock), for `get_case(for_update=True,
    with_history=False)` to find without reading each again."""
    locked: dict[uuid.UUID, Case] = session.info.setdefault(_LOCKED, {})
    wanted = sorted(set(case_ids) - locked.keys())
    if not wanted:
        return
    query = select(Case).where(Case.id.in_(wanted)).order_by(Case.id).with_for_update()
    for case in await session.scalars(query):
        locked[case.id] = case


async def merged_since(session: AsyncSession, parent_id: uuid.UUID, moment: datetime) -> list[Case]:
    """The reports merged into a case after `moment` (locked), oldest first."""
    return list(
        await session.scalars(
            select(Case)
            .where(
                Case.merged_into_id == parent_id,
                Case.status == ReportStatus.MERGED,
                Case.reported_at > moment,
            )
            .order_by(Case.reported_at)
            .with_for_update()
        )
    )


async def get_district(session: AsyncSession) -> District | None:
    return await session.scalar(select(District).limit(1))


async def case_by_external_ref(session: AsyncSession, system: str, external_id: str) -> Case | None:
    return await session.scalar(
        select(Case).where(Case.external_system == system, Case.external_id == external_id)
    )


async def delete_idempotency_keys_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.created_at < cutoff)
        .returning(IdempotencyKey.key)
    )
    return len(result.all())


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(visible: ColumnElement[bool], filters: CaseFilters) -> list[ColumnElement[bool]]:
    """The conditions of the case list's filters (shared by the list and its counts)."""
    conditions = [visible]
    columns = {
        "status": Case.status,
        "category": Case.category,
        "grid": Case.grid_id,
        "department": Case.department_id,
        "source": Case.source,
    }
    for name, column in columns.items():
        wanted = filters.values(name)
        if wanted:
            conditions.append(column.in_(wanted))
    if filters.urgency:
        conditions.append(Case.urgency == filters.urgency)
    if filters.reported_from:
        conditions.append(Case.reported_at >= filters.reported_from)
    if filters.reported_to:
        conditions.append(Case.reported_at < filters.reported_to)
    if filters.updated_since:
        conditions.append(Case.updated_at >= filters.updated_since)
    if filters.number:
        conditions.append(Case.number == filters.number)
    if filters.q:
        pattern = _like(filters.q)
        conditions.append(
            Case.description.ilike(pattern, escape="\\") | Case.address.ilike(pattern, escape="\\")
        )
    return conditions


async def list_cases(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    filters: CaseFilters,
    before_seq: int | None,
) -> list[Case]:
    """Newest first, keyset-paged on the case's sequence number (stable under inserts)."""
    query = select(Case).where(*_filtered(visible, filters))
    if before_seq is not None:
        query = query.where(Case.seq < before_seq)
    query = query.order_by(Case.seq.desc()).limit(filters.limit)
    return list(await session.scalars(query))


# what the counts are grouped by: the filter's name -> the column
COUNTED = {
    "status": Case.status,
    "category": Case.category,
    "source": Case.source,
    "grid": Case.grid_id,
    "department": Case.department_id,
}


async def count_cases(
    session: AsyncSession, *, visible: ColumnElement[bool], filters: CaseFilters
) -> tuple[int, dict[str, dict[str, int]]]:
    """How many cases the list would give (every page), and their counts by each of COUNTED
    (a case without a value counted under "none"), in one pass (GROUPING SETS)."""
    keys = list(COUNTED.values())
    query = (
        select(func.grouping(*keys), *keys, func.count())
        .where(*_filtered(visible, filters))
        .group_by(func.grouping_sets(*[tuple_(k) for k in keys], tuple_()))
    )
    every = (1 << len(keys)) - 1  # GROUPING's bit of a column is 1 where it is not grouped
    total = 0
    counts: dict[str, dict[str, int]] = {name: {} for name in COUNTED}
    for mask, *values, n in await session.execute(query):
        if mask == every:
            total = int(n)
            continue
        index = next(i for i in range(len(keys)) if not mask & (1 << (len(keys) - 1 - i)))
        value = values[index]
        counts[list(COUNTED)[index]]["none" if value is None else str(value)] = int(n)
    return total, counts


async def cases_by_number(
    session: AsyncSession, numbers: list[str], *, visible: ColumnElement[bool] | None
) -> list[Case]:
    query = select(Case).where(Case.number.in_(numbers))
    if visible is not None:
        query = query.where(visible)
    return list(await session.scalars(query.order_by(Case.seq.desc())))


async def visible_case(
    session: AsyncSession, case_id: uuid.UUID, *, visible: ColumnElement[bool]
) -> Case | None:
    return await session.scalar(select(Case).where(Case.id == case_id, visible))


async def open311_requests(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool] | None,
    codes: list[str],
    start: datetime,
    end: datetime,
    open_only: bool,
    closed_only: bool,
    limit: int,
) -> list[Case]:
    query = select(Case).where(Case.reported_at >= start, Case.reported_at < end)
    if visible is not None:
        query = query.where(visible)
    if codes:
        query = query.where(Case.category.in_(codes))
    if open_only:
        query = query.where(Case.is_open)
    if closed_only:
        query = query.where(~Case.is_open)
    return list(await session.scalars(query.order_by(Case.seq.desc()).limit(limit)))


async def status_changes(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    start: datetime,
    end: datetime,
    limit: int,
) -> list[tuple[CaseStatusChange, str]]:
    rows = await session.execute(
        select(CaseStatusChange, Case.number)
        .join(Case, Case.id == CaseStatusChange.case_id)
        .where(visible, CaseStatusChange.at >= start, CaseStatusChange.at < end)
        .order_by(CaseStatusChange.at, CaseStatusChange.id)
        .limit(limit)
    )
    return [(change, number) for change, number in rows.all()]


async def change_by_event_id(
    session: AsyncSession, case_id: uuid.UUID, event_id: str
) -> CaseStatusChange | None:
    return await session.scalar(
        select(CaseStatusChange).where(
            CaseStatusChange.case_id == case_id, CaseStatusChange.event_id == event_id
        )
    )


async def first_photos(
    session: AsyncSession, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The first photo of each case (for list rows and map pins)."""
    if not case_ids:
        return {}
    rows = await session.execute(
        select(Media.case_id, Media.id)
        .where(Media.case_id.in_(case_ids), Media.kind == "photo")
        .order_by(Media.case_id, Media.uploaded_at, Media.id)
        .distinct(Media.case_id)
    )
    return {case_id: media_id for case_id, media_id in rows.all() if case_id is not None}
