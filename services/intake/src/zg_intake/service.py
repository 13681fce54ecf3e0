"""Use cases of intake. They add rows and outbox events; the caller's unit of work commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.contracts.intake import CaseReported
from zg_common.contracts.routing import CaseDispatched
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_intake import repository
from zg_intake.access import may_read
from zg_intake.exceptions import CaseNotFound, outside_district, unknown_category
from zg_intake.media_service import attach_media
from zg_intake.models import Case, CaseStatusChange, Category, outbox
from zg_intake.schemas import CaseCreate, CategoryRead
from zg_intake.territory import CategoryIndex, DistrictOutline

# the channel a case came through, from who reported it
SOURCES = {"resident": "resident_app", "officer": "officer_handset", "partner": "partner_api"}
STATUS_REPORTED = "reported"
STATUS_DISPATCHED = "dispatched"


async def report_case(
    session: AsyncSession,
    *,
    data: CaseCreate,
    district: DistrictOutline,
    categories: CategoryIndex,
    reporter: Identity,
) -> Case:
    category = categories.minor(data.category)
    if category is None:
        raise unknown_category(data.category)
    if not district.contains(data.lat, data.lon):
        raise outside_district(data.lat, data.lon)
    source = SOURCES.get(reporter.role, "api")
    now = datetime.now(UTC)
    case = Case(
        id=uuid.uuid4(),
        category=category.code,
        lat=data.lat,
        lon=data.lon,
        description=data.description,
        source=source,
        reporter_sub=reporter.sub,
        reporter_role=reporter.role,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        status=STATUS_REPORTED,
        reported_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()  # one INSERT ... RETURNING: the database numbers the case
    session.add(
        CaseStatusChange(
            case_id=case.id, status=STATUS_REPORTED, at=now, note=f"reported through {source}"
        )
    )
    await attach_media(session, case_id=case.id, media_ids=data.media, owner=reporter)
    await outbox.add(
        session,
        CaseReported(
            case_id=str(case.id),
            number=case.number,
            category=category.code,
            category_kind=category.kind,
            lat=case.lat,
            lon=case.lon,
            description=case.description,
            source=source,
            reported_at=now,
        ),
        subject=str(case.id),
    )
    return case


async def get_case(session: AsyncSession, case_id: uuid.UUID, *, caller: Identity) -> Case:
    case = await repository.get_case(session, case_id)
    # A case the caller may not see is answered as absent: its existence is not revealed.
    if case is None or not may_read(caller, case):
        raise CaseNotFound(f"No case with id {case_id}")
    return case


async def record_dispatch(session: AsyncSession, event: CloudEvent) -> None:
    """Follow routing's decision in intake's read model (idempotent by the consumer)."""
    data = CaseDispatched.parse(event)
    case_id = uuid.UUID(data.case_id)
    updated = await repository.set_dispatched(
        session,
        case_id,
        status=STATUS_DISPATCHED,
        grid_id=data.grid_id,
        zone_type=data.zone_type,
        department_id=data.department_id,
        department_name=data.department_name,
    )
    if not updated:
        # Only intake creates cases, and its event is committed before routing can see it.
        raise CaseNotFound(f"dispatch of unknown case {data.case_id}")
    session.add(
        CaseStatusChange(
            case_id=case_id,
            status=STATUS_DISPATCHED,
            at=data.dispatched_at,
            event_id=event.id,
            note=f"dispatched to {data.department_name}",
        )
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
    )
