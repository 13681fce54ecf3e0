"""HTTP endpoints of intake. No SQL and no commit here: services and the unit of work do that."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from zg_common.authz import command_centre, require
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.geojson import (
    GEOJSON_MEDIA_TYPE,
    Feature,
    FeatureCollection,
    GeoJSONResponse,
    point,
)
from zg_common.identity import Identity
from zg_intake import feedback, media_service, queries, service, uploads, wording
from zg_intake.access import may_see_reporter
from zg_intake.dependencies import MediaStoreDep, ReferenceDep, SettingsDep
from zg_intake.exceptions import MediaNotFound
from zg_intake.models import Case, Media
from zg_intake.schemas import (
    CaseCreate,
    CaseCreated,
    CaseFilters,
    CaseMediaAdd,
    CasePage,
    CaseRead,
    CaseRef,
    CaseSplitRequest,
    CaseStats,
    CaseSummary,
    CategoryRead,
    ExternalRef,
    MediaRead,
    RatingCreate,
    RatingRead,
    ReporterRead,
    StatusChangeRead,
)

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseCreated,
    summary="Report a case",
)
async def create_case(
    caller: Annotated[Identity, require("cases.create")],
    body: CaseCreate,
    session: SessionDep,
    reference: ReferenceDep,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="retry safely: the same key and body give the same case; "
            "the same key with another body is 409 idempotency_key_reused",
        ),
    ] = None,
) -> CaseCreated:
    if idempotency_key is None:
        case = await service.report_case(session, data=body, reference=reference, reporter=caller)
    else:
        case, replayed = await service.report_case_once(
            session,
            idempotency_key=idempotency_key,
            data=body,
            reference=reference,
            reporter=caller,
        )
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    merged_into = await queries.joined(session, case)
    return CaseCreated(id=case.id, number=case.number, status=case.status, merged_into=merged_into)


@router.get(
    "/cases",
    response_model=CasePage,
    summary="Cases the caller may read: filtered, searched, newest first, paged by cursor",
    description="Residents get their own reports, departments and partner keys their "
    "departments' cases, officers their grids' cases, the command centre all. "
    "`format=geojson` answers a FeatureCollection (application/geo+json) with the same paging.",
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
async def list_cases(
    caller: Annotated[Identity, require("cases.read")],
    filters: Annotated[CaseFilters, Query()],
    session: ReadSessionDep,
) -> CasePage | GeoJSONResponse:
    cases, photos, next_cursor = await queries.list_cases(session, filters=filters, caller=caller)
    summaries = [case_summary(c, photos.get(c.id)) for c in cases]
    if filters.format == "geojson":
        collection = FeatureCollection[CaseSummary](
            features=[
                Feature[CaseSummary](
                    id=str(c.id),
                    geometry=point(c.lon, c.lat),
                    properties=c,
                )
                for c in summaries
            ],
            next_cursor=next_cursor,
        )
        return GeoJSONResponse(collection.model_dump(mode="json"))
    return CasePage(items=summaries, next_cursor=next_cursor)


@router.get(
    "/cases/stats",
    response_model=CaseStats,
    summary="How many cases the list would give, by status, category, source, grid and "
    "department (the live map's KPI strip: today's cases)",
    description="The case list's filters and row rules (every page counted; `cursor`, "
    "`limit` and `format` are ignored).",
)
async def case_stats(
    caller: Annotated[Identity, require("cases.read")],
    filters: Annotated[CaseFilters, Query()],
    session: ReadSessionDep,
) -> CaseStats:
    total, counts = await queries.count_cases(session, filters=filters, caller=caller)
    return CaseStats(
        total=total,
        by_status=counts["status"],
        by_category=counts["category"],
        by_source=counts["source"],
        by_grid=counts["grid"],
        by_department=counts["department"],
    )


def _common(case: Case) -> dict[str, Any]:
    """The fields a case shows in a list row and in full alike."""
    return {
        "id": case.id,
        "number": case.number,
        "status": case.status,
        "category": case.category,
        "lat": case.lat,
        "lon": case.lon,
        "address": case.address,
        "urgency": case.urgency,
        "description": case.description,
        "source": case.source,
        "grid_id": case.grid_id,
        "department": case.department_id,
        "patrol_point": case.patrol_point_id,
        "report_count": case.report_count,
        "merged_into": case.merged_into_id,
        "reported_at": case.reported_at,
        "updated_at": case.updated_at,
    }


def case_summary(case: Case, photo: uuid.UUID | None) -> CaseSummary:
    return CaseSummary(
        **_common(case),
        thumbnail_url=f"/api/v1/media/{photo}?variant=thumbnail" if photo else None,
    )


@router.get("/cases/{case_id}", response_model=CaseRead, summary="One case with its history")
async def read_case(
    caller: Annotated[Identity, require("cases.read")],
    case_id: uuid.UUID,
    session: ReadSessionDep,
) -> CaseRead:
    case = await queries.get_case(session, case_id, caller=caller)
    attached = await media_service.media_of_case(session, case.id)
    return CaseRead(
        **_common(case),
        zone_type=case.zone_type,
        patrol_task=case.patrol_task_id,
        resolved_on_site=case.resolved_on_site,
        external_ref=ExternalRef(system=case.external_system, id=case.external_id)
        if case.external_system and case.external_id
        else None,
        camera_id=case.camera_id,
        media_url=case.media_url,
        attributes=case.attributes,
        department_name=case.department_name,
        due_at=case.due_at,
        time_limit=case.time_limit,
        history=[
            StatusChangeRead(status=h.status, at=h.at, note=h.note, text=wording.plain(h.status))
            for h in case.history
        ],
        media=[media_read(m, caller) for m in attached],
        reporter=ReporterRead(name=case.reporter_name, phone=case.reporter_phone)
        if may_see_reporter(caller, case)
        else None,
        following=await queries.following(session, case),
    )


def media_read(row: Media, caller: Identity) -> MediaRead:
    url = f"/api/v1/media/{row.id}"
    return MediaRead(
        id=row.id,
        kind=row.kind,
        purpose=row.purpose,
        content_type=row.public_type,
        original_type=row.original_type,
        size=row.size,
        sha256=row.sha256,
        width=row.width,
        height=row.height,
        location_removed=row.location_removed,
        url=url,
        thumbnail_url=f"{url}?variant=thumbnail" if row.has_thumbnail else None,
        original_url=f"{url}?variant=original" if caller.role in command_centre() else None,
        uploaded_at=row.uploaded_at,
    )


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    response_model=MediaRead,
    tags=["media"],
    summary="Upload a photo or video (multipart), to attach to a case when reporting it",
    description="JPEG, PNG, WebP or HEIC photos and MP4, QuickTime or 3GP videos, judged by "
    "their content as it arrives (anything else is refused at its first bytes). Photos are "
    "served re-encoded without metadata (EXIF location removed) and with a thumbnail; videos "
    "with their location blanked. Unattached uploads expire. Each uploader has a daily quota.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "the photo or video",
                            },
                            "purpose": {
                                "type": "string",
                                "enum": list(media_service.PURPOSES),
                                "default": "report",
                            },
                        },
                    }
                }
            },
        }
    },
)
async def upload_media(
    caller: Annotated[Identity, require("media.upload")],
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    store: MediaStoreDep,
    response: Response,
) -> MediaRead:
    quota_left = settings.media_quota_bytes_per_day - await media_service.uploaded_today(
        session, caller
    )
    received = await uploads.receive(request, settings, quota_left=quota_left)
    assert received.path is not None
    try:
        row = await media_service.upload_media(
            session,
            store=store,
            upload=media_service.Upload(
                path=received.path,
                size=received.size,
                purpose=received.fields.get("purpose") or "report",
            ),
            uploader=caller,
            settings=settings,
        )
    finally:
        received.path.unlink(missing_ok=True)
    response.headers["Location"] = f"/api/v1/media/{row.id}"
    return media_read(row, caller)


@router.get(
    "/media/{media_id}",
    tags=["media"],
    summary="A photo or video: the copy without location, its thumbnail, or the original",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/jpeg": {}, "video/mp4": {}}}},
)
async def read_media(
    caller: Annotated[Identity, require("media.read")],
    media_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    store: MediaStoreDep,
    variant: Annotated[Literal["public", "thumbnail", "original"], Query()] = "public",
) -> Response:
    row = await media_service.readable_media(session, media_id, caller=caller, variant=variant)
    key, content_type = media_service.stored_key(row, variant)
    etag = f'"{row.sha256[:32]}-{variant}"'
    headers = {
        "ETag": etag,
        # the same id and variant always serve the same bytes; private: behind row rules
        "Cache-Control": "private, max-age=31536000, immutable",
        "Content-Disposition": f'inline; filename="{row.id}"',
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if not await store.exists(key):  # checked before the first byte: a stream cannot fail cleanly
        raise MediaNotFound(f"The file of media {media_id} is no longer stored")
    return StreamingResponse(store.stream(key), media_type=content_type, headers=headers)


@router.post(
    "/cases/{case_id}/media",
    response_model=list[MediaRead],
    tags=["media"],
    summary="Attach photos taken while working a case: a department's disposal, an officer's "
    "verification or check",
    description="The caller's own uploads not yet attached, on a case the caller may read (the "
    "department it is dispatched to, the officers of its grid, the command centre). The "
    "history notes who added them.",
)
async def add_case_media(
    caller: Annotated[Identity, require("cases.media")],
    case_id: uuid.UUID,
    body: CaseMediaAdd,
    session: SessionDep,
) -> list[MediaRead]:
    rows = await media_service.add_to_case(
        session, case_id=case_id, media_ids=body.media, caller=caller
    )
    return [media_read(row, caller) for row in rows]


@router.post(
    "/cases/{case_id}/split",
    response_model=CaseRef,
    summary="Split a wrongly merged report off into a case of its own (routed afresh)",
)
async def split_case(
    caller: Annotated[Identity, require("cases.split")],
    case_id: uuid.UUID,
    body: CaseSplitRequest,
    session: SessionDep,
    reference: ReferenceDep,
) -> CaseRef:
    case = await service.split_case(
        session, case_id=case_id, reason=body.reason, reference=reference, caller=caller
    )
    return CaseRef(id=case.id, number=case.number, status=case.status)


@router.post(
    "/cases/{case_id}/rating",
    status_code=status.HTTP_201_CREATED,
    response_model=RatingRead,
    summary="Rate how a closed case was handled (its reporter, once)",
)
async def rate_case(
    caller: Annotated[Identity, require("cases.rate")],
    case_id: uuid.UUID,
    body: RatingCreate,
    session: SessionDep,
) -> RatingRead:
    rating = await feedback.rate_case(
        session, case_id=case_id, score=body.score, comment=body.comment, caller=caller
    )
    return RatingRead(
        case_id=rating.case_id, score=rating.score, comment=rating.comment, rated_at=rating.rated_at
    )


@router.get(
    "/categories",
    response_model=list[CategoryRead],
    tags=["reference data"],
    summary="The case category tree (component/event, major/minor classes)",
)
async def read_categories(
    caller: Annotated[Identity, require("categories.read")], session: ReadSessionDep
) -> list[CategoryRead]:
    return await queries.category_tree(session)
