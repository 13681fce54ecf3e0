"""Use cases that read intake: the case list (filters, text, a keyset cursor, the row rules in
SQL) and one case (the row rules), and the category tree."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.errors import CaseNotFound
from zg_common.identity import Identity
from zg_intake import repository, wording
from zg_intake.access import may_read, readable_cases
from zg_intake.exceptions import (
    invalid_field,
)
from zg_intake.models import (
    Case,
    Category,
)
from zg_intake.schemas import (
    AttributeRead,
    CaseFilters,
    CaseRef,
    CategoryRead,
    FollowedCase,
    PublicStatusChange,
)

HOTLINE_SYSTEM = "12345"
IDEMPOTENCY_KEY_RETENTION = timedelta(days=7)


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "seq":
            raise ValueError(text)
        return int(value)
    except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise invalid_field(
            "cursor", "invalid_cursor", "not a next_cursor this API returned"
        ) from exc


def _check_moments(filters: CaseFilters) -> None:
    if (
        filters.reported_from is not None
        and filters.reported_to is not None
        and filters.reported_from >= filters.reported_to
    ):
        raise invalid_field(
            "reported_to", "empty_range", "reported_to must be later than reported_from"
        )
    for name in ("reported_from", "reported_to", "updated_since"):
        moment = getattr(filters, name)
        if moment is not None and moment.tzinfo is None:
            raise invalid_field(name, "timezone_required", "give a timezone, e.g. +08:00 or Z")


async def count_cases(
    session: AsyncSession, *, filters: CaseFilters, caller: Identity
) -> tuple[int, dict[str, dict[str, int]]]:
    """How many cases the caller may read match the filters, and by what."""
    _check_moments(filters)
    return await repository.count_cases(session, visible=readable_cases(caller), filters=filters)


async def list_cases(
    session: AsyncSession, *, filters: CaseFilters, caller: Identity
) -> tuple[list[Case], dict[uuid.UUID, uuid.UUID], str | None]:
    """The cases the caller may read, filtered, newest first; each one's first photo; and the
    next page's cursor."""
    _check_moments(filters)
    before = decode_cursor(filters.cursor) if filters.cursor else None
    cases = await repository.list_cases(
        session, visible=readable_cases(caller), filters=filters, before_seq=before
    )
    next_cursor = encode_cursor(cases[-1].seq) if len(cases) == filters.limit else None
    photos = await repository.first_photos(session, [c.id for c in cases])
    return cases, photos, next_cursor


async def get_case(session: AsyncSession, case_id: uuid.UUID, *, caller: Identity) -> Case:
    case = await repository.get_case(session, case_id)
    # A case the caller may not see is answered as absent: its existence is not revealed.
    if case is None or not may_read(caller, case):
        raise CaseNotFound(f"No case with id {case_id}")
    return case


async def joined(session: AsyncSession, report: Case) -> CaseRef | None:
    """The case a merged report joined, as its 201 names it: its id, number and status, read
    without its history, which grows with every report that joins it (the session has it from
    the duplicate search; the merge's UPDATE leaves at most one light read)."""
    if report.merged_into_id is None:
        return None
    parent = await session.get(Case, report.merged_into_id)
    return CaseRef(id=parent.id, number=parent.number, status=parent.status) if parent else None


async def following(session: AsyncSession, report: Case) -> FollowedCase | None:
    """What the author of a merged report sees of the case it joined: its number, its public
    status and its history in plain words — no details, notes, media or people (`access`)."""
    if report.merged_into_id is None:
        return None
    parent = await repository.get_case(session, report.merged_into_id)
    if parent is None:
        return None
    steps: list[PublicStatusChange] = []
    for change in parent.history:  # a note on the same status is no step of its own
        if not steps or steps[-1].status != change.status:
            steps.append(
                PublicStatusChange(
                    status=change.status, at=change.at, text=wording.plain(change.status)
                )
            )
    return FollowedCase(
        id=parent.id,
        number=parent.number,
        status=parent.status,
        text=wording.plain(parent.status),
        history=steps,
    )


async def category_tree(session: AsyncSession) -> list[CategoryRead]:
    rows = await repository.list_categories(session)
    nodes = {c.code: _category_read(c) for c in rows}
    roots = []
    for c in rows:
        if c.parent_code and c.parent_code in nodes:
            nodes[c.parent_code].children.append(nodes[c.code])
        else:
            roots.append(nodes[c.code])
    return roots


def _category_read(c: Category) -> CategoryRead:
    return CategoryRead(
        code=c.code,
        kind=c.kind,
        level=c.level,
        name=c.name,
        name_en=c.name_en,
        duplicate_radius_m=c.duplicate_radius_m,
        duplicate_window_h=c.duplicate_window_h,
        attributes=[AttributeRead.model_validate(a) for a in c.attributes],
    )
