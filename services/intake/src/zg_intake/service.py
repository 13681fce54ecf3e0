"""Use cases of intake. They add rows and outbox events; the caller's unit of work commits."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.authz import command_centre, policy
from zg_common.contracts.intake import CaseMerged, CaseReported, CaseSplit, Channel, ReportStatus
from zg_common.contracts.routing import CaseStatus
from zg_common.db import unit_of_work
from zg_common.errors import CaseNotFound, Forbidden
from zg_common.geo import haversine_m
from zg_common.identity import Identity
from zg_intake import duplicates, history, placing, repository
from zg_intake.attributes import check_answers
from zg_intake.exceptions import (
    CaseStateConflict,
    ExternalRefTaken,
    IdempotencyKeyReused,
    invalid_field,
    unknown_category,
)
from zg_intake.media_service import attach_media, media_of_case
from zg_intake.models import (
    Case,
    IdempotencyKey,
    outbox,
)
from zg_intake.runtime import IntakeRuntime
from zg_intake.schemas import CaseCreate, ExternalRef
from zg_intake.territory import CategoryRef, Reference

HOTLINE_SYSTEM = "12345"
# the channels of machines, which cannot answer a category's questions (people must answer the
# required ones)
MACHINES: frozenset[str] = frozenset({Channel.CAMERA, Channel.ACCESS_CONTROL, Channel.DEVICE})
IDEMPOTENCY_KEY_RETENTION = timedelta(days=7)


def channel_of(reporter: Identity, data: CaseCreate) -> Channel:
    """The channel a case came through, from who reported it and how."""
    if reporter.role == "resident":
        return Channel.QR_SCAN if data.point_code else Channel.RESIDENT_APP
    if reporter.role == "officer":
        return Channel.OFFICER_HANDSET
    if reporter.role == "partner":
        if data.external_ref is not None and data.external_ref.system == HOTLINE_SYSTEM:
            return Channel.HOTLINE_12345
        return Channel.PARTNER_API
    if reporter.role in command_centre():
        return Channel.COMMAND_CENTRE
    # the policy lets no other role report (cases.create); this keeps it so if it changes
    raise Forbidden(f"A {reporter.role} does not report cases", code="role_forbidden")


async def report_case(
    session: AsyncSession,
    *,
    data: CaseCreate,
    reference: Reference,
    reporter: Identity,
    source: str | None = None,
    camera_id: str | None = None,
    case_id: uuid.UUID | None = None,
) -> Case:
    """Check and place a report, record it with its history and media, and publish it."""
    category = reference.categories.minor(data.category)
    if category is None:
        raise unknown_category(data.category)
    if data.resolved_on_site and reporter.role != "officer":
        raise invalid_field(
            "resolved_on_site", "officer_only", "only officers report problems fixed on site"
        )
    place = placing.place_of(data, reference, reporter)
    source = source or channel_of(reporter, data)
    # machines (camera analytics) cannot answer questions; people must answer required ones
    answers = check_answers(
        category.attributes, data.attributes, enforce_required=source not in MACHINES
    )
    if data.external_ref is not None:
        if data.external_ref.system == HOTLINE_SYSTEM and not policy().allows(
            reporter, "cases.hotline"
        ):
            raise Forbidden(
                "Only the 12345 hotline's key reports hotline orders",
                code="hotline_key_required",
            )
        await _check_external_ref(session, data.external_ref)
    now = datetime.now(UTC)
    status: str = CaseStatus.SELF_HANDLED if data.resolved_on_site else CaseStatus.REPORTED
    parent = None
    if not data.resolved_on_site:
        await duplicates.lock_place(session, category, place.lat, place.lon)
        parent = await duplicates.find_open_duplicate(
            session, category=category, lat=place.lat, lon=place.lon, now=now
        )
        if parent is not None:
            status = ReportStatus.MERGED
    row: dict[str, object] = {
        "id": case_id or uuid.uuid4(),
        "category": category.code,
        "lat": place.lat,
        "lon": place.lon,
        "crs": data.crs,
        "address": data.address or (place.point.address if place.point else None),
        "urgency": data.urgency,
        "description": data.description,
        "source": source,
        "reporter_sub": reporter.sub,
        "reporter_role": reporter.role,
        "reporter_badge": reporter.badge if reporter.role == "officer" else None,
        "reporter_name": data.reporter_name,
        "reporter_phone": data.reporter_phone,
        "status": status,
        "grid_id": place.grid.id,
        "zone_type": place.grid.zone_type,
        "patrol_point_id": place.point.id if place.point else None,
        "patrol_point_distance_m": place.point_distance_m,
        "patrol_task_id": data.patrol_task,
        "external_system": data.external_ref.system if data.external_ref else None,
        "external_id": data.external_ref.id if data.external_ref else None,
        "camera_id": camera_id,
        "media_url": data.media_url,
        "resolved_on_site": data.resolved_on_site,
        "attributes": answers,
        "merged_into_id": parent.id if parent else None,
        "reported_at": now,
        "updated_at": now,
    }
    first_status = CaseStatus.REPORTED if parent is not None else status  # then: merged
    try:
        # one statement, not the ORM's flush: the case and its first history entry
        number = await repository.insert_case(
            session, row, status=first_status, note=f"reported through {source}"
        )
    except IntegrityError as exc:
        if data.external_ref is None:
            raise
        # the same external reference committed by a concurrent request after our check
        raise ExternalRefTaken(f"{data.external_ref.system} {data.external_ref.id} exists") from exc
    case = Case(**row, number=number)  # what the request reads of it (not in the session)
    await attach_media(session, case_id=case.id, media_ids=data.media, owner=reporter)
    if data.resolved_on_site:
        await _check_before_and_after(session, case.id)
    if parent is None:
        await outbox.add(session, reported_event(case, category), subject=str(case.id))
        return case
    await duplicates.merge_into(session, report=case, parent=parent, at=now)
    await history.record(
        session,
        case,
        status=ReportStatus.MERGED,
        at=now,
        note=f"the same problem is already case {parent.number}: this report follows it",
    )
    await outbox.add(
        session,
        CaseMerged(
            case_id=str(case.id),
            number=case.number,
            into_case_id=str(parent.id),
            into_number=parent.number,
            category=category.code,
            source=source,
            distance_m=round(haversine_m(case.lat, case.lon, parent.lat, parent.lon), 1),
            merged_at=now,
            by="intake",
            reporter_badge=case.reporter_badge,
        ),
        subject=str(case.id),
    )
    return case


def reported_event(case: Case, category: CategoryRef) -> CaseReported:
    return CaseReported(
        case_id=str(case.id),
        number=case.number,
        category=category.code,
        category_kind=category.kind,
        lat=case.lat,
        lon=case.lon,
        description=case.description,
        source=case.source,
        reported_at=case.reported_at,
        grid_id=case.grid_id,
        zone_type=case.zone_type,
        patrol_point_id=case.patrol_point_id,
        urgency=case.urgency,
        address=case.address,
        resolved_on_site=case.resolved_on_site,
        external_system=case.external_system,
        external_id=case.external_id,
        camera_id=case.camera_id,
        partner_key_id=case.reporter_sub if case.reporter_role == "partner" else None,
        reporter_badge=case.reporter_badge,
    )


async def split_case(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    reason: str,
    reference: Reference,
    caller: Identity,
) -> Case:
    """Undo a wrong merge: the report becomes a case of its own and goes to routing."""
    case = await repository.get_case(session, case_id, for_update=True)
    if case is None:
        raise CaseNotFound(f"No case with id {case_id}")
    if case.status != ReportStatus.MERGED or case.merged_into_id is None:
        raise CaseStateConflict(
            f"Case {case.number} is {case.status}, not merged: there is nothing to split"
        )
    parent = await repository.get_case(session, case.merged_into_id)
    assert parent is not None
    await split_off(session, case, parent, reason=reason, by_role=caller.role, reference=reference)
    return case


async def split_off(
    session: AsyncSession,
    case: Case,
    parent: Case,
    *,
    reason: str,
    by_role: str,
    reference: Reference,
) -> None:
    """`case` (merged into `parent`, locked) becomes a case of its own and goes to routing."""
    category = reference.categories.minor(case.category)
    assert category is not None
    now = datetime.now(UTC)
    await duplicates.unmerge(session, report=case, parent=parent, at=now)
    case.status, case.merged_into_id, case.updated_at = CaseStatus.REPORTED, None, now
    await history.record(
        session,
        case,
        status=CaseStatus.REPORTED,
        at=now,
        note=f"split from {parent.number} by {by_role}: {reason}",
    )
    await history.record(
        session,
        parent,
        status=parent.status,
        at=now,
        note=f"report {case.number} split off by {by_role}: {reason}",
    )
    await outbox.add(
        session,
        CaseSplit(
            case_id=str(case.id),
            from_case_id=str(parent.id),
            reason=reason,
            by_role=by_role,
            split_at=now,
        ),
        subject=str(case.id),
    )
    await outbox.add(session, reported_event(case, category), subject=str(case.id))


async def report_case_once(
    session: AsyncSession,
    *,
    idempotency_key: str,
    data: CaseCreate,
    reference: Reference,
    reporter: Identity,
) -> tuple[Case, bool]:
    """`report_case` under the caller's Idempotency-Key: the same key and body give the same
    case (True: replayed), the same key with another body is a 409. The key row is written
    first: a concurrent request with the same key waits on it, then sees the case."""
    request_hash = hashlib.sha256(
        json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()
    case_id = uuid.uuid4()
    claimed = await session.scalar(
        pg_insert(IdempotencyKey)
        .values(
            caller_sub=reporter.sub, key=idempotency_key, request_hash=request_hash, case_id=case_id
        )
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.case_id)
    )
    if claimed is None:
        earlier = await session.get(IdempotencyKey, (reporter.sub, idempotency_key))
        assert earlier is not None  # the conflicting row is committed, or we would still wait
        if earlier.request_hash != request_hash:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {idempotency_key!r} was first used with another body"
            )
        case = await repository.get_case(session, earlier.case_id)
        if case is None:
            raise CaseNotFound(f"No case with id {earlier.case_id}")
        return case, True
    case = await report_case(
        session, data=data, reference=reference, reporter=reporter, case_id=case_id
    )
    return case, False


async def purge_idempotency_keys(runtime: IntakeRuntime) -> int:
    """Hourly: keys are kept a week, longer than any client retries a request."""
    async with unit_of_work(runtime.sessions) as session:
        return await repository.delete_idempotency_keys_before(
            session, datetime.now(UTC) - IDEMPOTENCY_KEY_RETENTION
        )


async def _check_external_ref(session: AsyncSession, ref: ExternalRef) -> None:
    existing = await repository.case_by_external_ref(session, ref.system, ref.id)
    if existing is not None:
        raise ExternalRefTaken(
            f"{ref.system} {ref.id} is already case {existing.number}",
            headers={"Location": f"/api/v1/cases/{existing.id}"},
        )


async def _check_before_and_after(session: AsyncSession, case_id: uuid.UUID) -> None:
    purposes = {m.purpose for m in await media_of_case(session, case_id)}
    missing = [p for p in ("before", "after") if p not in purposes]
    if missing:
        raise invalid_field(
            "media",
            "before_and_after_required",
            f"a problem fixed on site needs {' and '.join(missing)} photos "
            "(upload with purpose=before / purpose=after)",
        )
